"""The board's reports (issue 13): each report page's time beside its slowest single SQL aggregate run alone.

Each page is rendered through its view (as an administrator) while its SQL is captured; then every captured
statement is run alone, and the slowest one is the baseline: a page cannot be faster than its slowest
aggregate, so the ratio shows what the page adds (goal: at most 2x). Best of --repeat runs each.

`--fill` first adds, with set-based SQL, the history the generator does not make, so every report has rows
to aggregate: a status-history row into Active on each certification's certified-on date and one out of it
on its lapse date; two years of annual invoices (paid on time, late, waived, refunded, open) with their
payments; a closed CCP cycle per certification (by points, by attestation, not compliant). Run it once.
"""

import argparse
import datetime
import time

from _setup import page_against_statements
from django.db import connection, transaction
from django.test import RequestFactory

from amtportal.reports import views
from amtportal.reports.pages import REPORTS
from members.models import Certification, User

FILL_SQL = [
    # Into Active on the certified-on date, out of it on the lapse date for those not Active now.
    """INSERT INTO members_statuschange (certification_id, from_status, to_status, reason, effective_on,
           source, changed_at)
       SELECT id, '', 'active', 'bench', certified_on, 'bench-fill', now() FROM members_certification""",
    """INSERT INTO members_statuschange (certification_id, from_status, to_status, reason, lapse_date,
           effective_on, source, changed_at)
       SELECT id, 'active', status, 'bench', lapse_date, GREATEST(lapse_date, certified_on),
              'bench-fill', now()
       FROM members_certification WHERE status <> 'active' AND lapse_date IS NOT NULL""",
    # The two fee years up to paid-through + 1 year (its next fee's, and the one before), settled by id.
    """INSERT INTO billing_invoice (number, certification_id, credential_id, kind, fee_year_start,
           fee_year_end, description, continue_path, amount_cents, currency, issued_on, due_on, state,
           state_reason, settled_on, notice_position, created_at)
       SELECT 'BF-' || c.id || '-' || k, c.id, c.credential_id, 'annual', fy.start,
              (fy.start + interval '1 year' - interval '1 day')::date,
              'Annual fee', '', 5000, 'USD', (fy.due - 60), fy.due,
              CASE WHEN c.id % 10 < 6 THEN 'paid' WHEN c.id % 10 = 6 THEN 'waived'
                   WHEN c.id % 10 = 7 THEN 'refunded' ELSE 'open' END,
              '', CASE WHEN c.id % 10 < 8 THEN fy.due END, 0, now()
       FROM members_certification c
       CROSS JOIN generate_series(0, 1) AS k
       CROSS JOIN LATERAL (SELECT (c.paid_through + 1 - interval '1 year' * k)::date AS start) s
       CROSS JOIN LATERAL (
           SELECT s.start AS start,
                  (date_trunc('month', s.start) + interval '1 month' - interval '1 day')::date AS due
       ) fy""",
    """INSERT INTO billing_payment (invoice_id, receipt_number, method, amount_cents, currency, received_on,
           reference, stripe_payment_intent_id, stripe_refund_id, refunded_on, created_at)
       SELECT i.id, 'R-' || i.number, CASE WHEN i.id % 3 = 0 THEN 'check' ELSE 'card' END,
              i.amount_cents, 'USD', i.due_on + (i.id % 45 - 30)::int, '', NULL, '',
              CASE WHEN i.state = 'refunded' THEN i.due_on + 40 END, now()
       FROM billing_invoice i WHERE i.number LIKE 'BF-%' AND i.state IN ('paid', 'refunded')""",
    # One closed cycle before the current anchor cycle: by points, by attestation, or not compliant.
    """INSERT INTO ccp_cycle (certification_id, anchor_on, number, start_on, end_on, state, under_audit,
           audit_result, closed_on, required_points, counted_points)
       SELECT c.id, c.certified_on, 900, s.start_on,
              (s.start_on + interval '3 years' - interval '1 day')::date,
              CASE WHEN c.id % 5 = 4 THEN 'noncompliant' ELSE 'compliant' END, false, '',
              (s.start_on + interval '3 years')::date, 30,
              CASE WHEN c.id % 5 = 3 THEN 12 ELSE 30 + c.id % 9 END
       FROM members_certification c
       CROSS JOIN LATERAL (SELECT (date '2021-01-01' + (c.id % 1800)::int)::date AS start_on) s""",
]


def fill() -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in FILL_SQL:
            began = time.perf_counter()
            cursor.execute(statement)
            print(
                f"  {cursor.rowcount:>9} rows in {time.perf_counter() - began:6.1f}s: {statement.split()[2]}"
            )
        fill_applications_and_audits()
        cursor.execute("ANALYZE")


def fill_applications_and_audits() -> None:
    """An application for one in five certifications not Active (route, outcome and days to decide by id),
    and a 2025 audit campaign of one in 50 closed cycles (passed, failed, waiting by id)."""
    from django.utils import timezone

    from audits.models import Audit, AuditCampaign
    from ccp.models import Cycle
    from recert.models import Application, RecertRule

    rules = {rule.credential_id: rule for rule in RecertRule.objects.order_by("effective_from")}
    outcomes = ["reinstated", "refused", "expired", "exam_failed", "submitted"]
    rows = []
    for pk, credential_id in (
        Certification.objects.exclude(status="active")
        .filter(id__regex=r"[05]$")
        .values_list("id", "credential_id")
    ):
        submitted = datetime.date(2023, 1, 1) + datetime.timedelta(days=pk % 1300)
        state = outcomes[pk % 5]
        decided = submitted + datetime.timedelta(days=5 + pk % 60) if state != "submitted" else None
        rows.append(Application(
            certification_id=pk, route="ccp" if pk % 2 else "exam", state=state, started_on=submitted,
            lapse_date=submitted, route_reason="bench", rule=rules[credential_id], submitted_on=submitted,
            decided_on=decided, reinstated_on=decided if state == "reinstated" else None,
        ))  # fmt: skip
    Application.objects.bulk_create(rows, batch_size=5000)
    campaign = AuditCampaign.objects.create(
        year=2025, seed="bench", population_count=Cycle.objects.count(), population_digest="bench",
        selected_count=0, started_on=datetime.date(2025, 1, 20), started_at=timezone.now(), source="bench",
    )  # fmt: skip
    states = ["passed", "failed", "submitted"]
    audits = [
        Audit(
            campaign=campaign,
            certification_id=certification_id,
            cycle_id=pk,
            rank=rank,
            state=states[pk % 3],
            selected_on=datetime.date(2025, 1, 20),
            deadline=datetime.date(2025, 3, 20),
            waiting_since=timezone.now(),
            required_points=30,
            passed_by_verified=pk % 6 == 0,
        )  # fmt: skip
        for rank, (pk, certification_id) in enumerate(
            Cycle.objects.exclude(state="open")
            .filter(id__regex=r"00$")
            .values_list("id", "certification_id"),
            1,
        )
    ]
    Audit.objects.bulk_create(audits, batch_size=5000)
    print(f"  {len(rows):>9} applications, {len(audits)} audits")


def administrator() -> User:
    user = User.objects.filter(is_superuser=True, is_staff=True).first()
    return user or User.objects.create_superuser(
        email="bench-admin@bench.example.org", password="bench-admin-1"
    )


def measure(slug: str, user: User, repeat: int) -> dict:
    """The page's time (best of `repeat`), and each of its statements run alone (best of `repeat`)."""
    request = RequestFactory().get(f"/staff/reports/{slug}/")
    request.user = user

    def page():
        response = views.report(request, slug=slug)
        assert response.status_code == 200, response.status_code

    return page_against_statements(page, repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fill", action="store_true", help="Add the history the generator does not make.")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--show-sql", action="store_true", help="Print each page's slowest statement.")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("Set DATABASE_URL to the generated PostgreSQL database (see bench/README.md).")
    if args.fill:
        fill()
    user = administrator()
    print(f"certifications: {Certification.objects.count()}; today {datetime.date.today()}")  # noqa: DTZ011
    print(f"{'report':<17}{'page':>8}{'slowest SQL':>13}{'ratio':>7}", end="")
    print(f"{'all its SQL':>13}{'ratio':>7}{'queries':>9}")
    for slug in REPORTS:
        m = measure(slug, user, args.repeat)
        print(
            f"{slug:<17}{m['page']:>7.3f}s{m['slowest']:>12.3f}s{m['page'] / m['slowest']:>6.2f}x"
            f"{m['sum']:>12.3f}s{m['page'] / m['sum']:>6.2f}x{m['queries']:>9}"
        )
        if args.show_sql:
            print(f"    {m['sql'][:300]}")


if __name__ == "__main__":
    main()

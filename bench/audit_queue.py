"""The reviewers' audit queue, first page, at 5,000 audits and 100,000 documents, then at 50,000 audits and
1,000,000 documents: the page must cost about the same (goal: at most x1.3) in the same number of queries.

The first page is what the queue view asks of audits.selectors: `queue_counts` (the tabs' counts) and
`queue_page` (page 1 of the tab, oldest first, and the paginator's count), with the rows read as the
template reads them. Three variants: the "Waiting on review" tab alone, with a credential filter, and with
a name search.

The body is written with set-based SQL: BASE members (default 60,000), one certification each (credential
k % 10) whose first cycle closed compliant and rolled in one of 2021-2025 (k % 5), the next cycle open, four
activities in the closed cycle. The members table stays the same size; what grows is the audits: the first
AUDITS certifications are audited by the campaign of their roll year (five campaigns), each audit with its
four activities as items, a "selected" event, and DOCUMENTS_PER_ACTIVITY documents per activity (5: 20 per
audit). The 2025 campaign is open (selected 45%, submitted 20%, more requested 5%, passed 22%, failed 8%;
some extensions asked, a third of the submitted claimed by a reviewer), the older ones are decided.

Each run deletes the audits, their items, events and documents (the base stays), grows to the small size
in DATABASE_URL's database, copies it to a database of the same name + "_large" (CREATE DATABASE ...
TEMPLATE) and grows that one to the large size (VACUUM ANALYZE after each growth); then it measures the two
alternately, ROUNDS times REPEAT first pages per variant each, so that the load of a shared machine weighs
on both alike, and reports medians.
"""

import argparse
import datetime
import statistics
import time
from dataclasses import dataclass, field
from functools import partial

from _setup import timed
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from audits import selectors
from audits.models import Audit
from audits.selectors import QUEUE_STATES, QueueFilters, queue_counts, queue_page
from ccp.models import ActivityCategory
from members.models import Certification, Credential

FIRST_NAMES = [
    "Ana",
    "Ben",
    "Chloe",
    "David",
    "Emma",
    "Farah",
    "Grace",
    "Hugo",
    "Ines",
    "Jamal",
    "Kim",
    "Liam",
]
LAST_NAMES = [
    "Garcia", "Smith", "Nguyen", "Johnson", "Brown", "Lopez", "Patel", "Kim", "Williams", "Jones", "Miller",
    "Davis", "Rodriguez", "Martinez", "Hernandez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore",
    "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez",
    "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Hill",
]  # fmt: skip
TODAY = datetime.date(2026, 3, 1)
QUERY_NAMES = ("tab counts", "tab's count (paginator)", "page rows")
BOUNDED_QUERY_NAMES = ("open tabs' counts", "passed (to 1,001)", "failed (to 1,001)", *QUERY_NAMES[1:])
DECIDED_TABS = ("passed", "failed")
CAP = 1000
VARIANTS = {
    "waiting on review, oldest first": QueueFilters(state="submitted"),
    "the same, credential RMA": QueueFilters(state="submitted", credential="RMA"),
    "the same, search 'Garcia'": QueueFilters(state="submitted", search="Garcia"),
}


def _sql(statement: str, params=None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def _scalar(statement: str, params=None):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchone()[0]


def _steps(steps, params) -> None:
    with transaction.atomic():
        for label, statement in steps:
            began = time.perf_counter()
            rows = _sql(statement, params)
            print(f"  {label}: {rows} rows in {time.perf_counter() - began:.1f}s", flush=True)


# --- The body (constant) -----------------------------------------------------------------------------


def generate_base(size: int) -> None:
    """`size` users, members, certifications, two cycles and four activities each, and a reviewer."""
    params = {
        "n": size,
        "password": make_password("bench-password-1"),
        "credentials": list(Credential.objects.order_by("pk").values_list("pk", flat=True)),
        "first_names": FIRST_NAMES,
        "last_names": LAST_NAMES,
        "category": ActivityCategory.objects.get(code="professional-education").pk,
    }
    steps = [
        (
            "users",
            """INSERT INTO members_user (id, password, is_superuser, first_name, last_name, is_staff,
                   is_active, date_joined, email)
               SELECT k, %(password)s, false, '', '', k = 0, true, now(),
                      CASE WHEN k = 0 THEN 'reviewer@bench.example.org'
                           ELSE 'queue' || k || '@bench.example.org' END
               FROM generate_series(0, %(n)s) AS k""",
        ),
        (
            "members",
            """INSERT INTO members_member (id, member_number, first_name, middle_name, last_name, phone,
                   address_line1, address_line2, city, state, postal_code, country, created_at, user_id)
               SELECT k, 'Q' || lpad(k::text, 9, '0'),
                      (%(first_names)s::text[])[1 + k %% cardinality(%(first_names)s::text[])], '',
                      (%(last_names)s::text[])[1 + (k / 7) %% cardinality(%(last_names)s::text[])], '',
                      (k %% 9000 + 1) || ' Test Road', '', 'Springfield', 'IL', '62701', 'US', now(), k
               FROM generate_series(1, %(n)s) AS k""",
        ),
        (
            # Certified in year - 3 (year = 2021 + k % 5), so cycle 0 closes compliant and rolls in `year`.
            "certifications",
            """INSERT INTO members_certification (id, certified_on, reinstated_on, paid_through,
                   ccp_failed_on, audit_failed_on, ccp_compliant_through, status, status_reason, lapse_date,
                   active_through, verification_token, created_at, credential_id, member_id)
               SELECT k, certified_on, NULL, '2026-12-31', NULL, NULL,
                      (certified_on + interval '3 years')::date - 1, 'active',
                      'In good standing (bench data).', NULL, '2026-12-31',
                      'queue-bench-' || k || '-' || md5(k::text), now(),
                      (%(credentials)s::bigint[])[
                          1 + abs(hashint4(k + 17)) %% cardinality(%(credentials)s::bigint[])], k
               FROM (SELECT k, make_date(2018 + k %% 5, 1 + k %% 12, 1 + k %% 28) AS certified_on
                     FROM generate_series(1, %(n)s) AS k) AS days""",
        ),
        (
            "cycles (0 closed compliant, 1 open)",
            """INSERT INTO ccp_cycle (anchor_on, number, start_on, end_on, state, under_audit, closed_on,
                   required_points, counted_points, closing_result, certification_id, audit_result)
               SELECT c.certified_on, n, (c.certified_on + make_interval(years => 3 * n))::date,
                      (c.certified_on + make_interval(years => 3 * n + 3))::date - 1,
                      CASE WHEN n = 0 THEN 'compliant' ELSE 'open' END, false,
                      CASE WHEN n = 0 THEN (c.certified_on + interval '3 years')::date END,
                      CASE WHEN n = 0 THEN cr.ccp_points_required END,
                      CASE WHEN n = 0 THEN cr.ccp_points_required + 2 END,
                      CASE WHEN n = 0 THEN '{"counted": "bench"}'::jsonb END, c.id, ''
               FROM members_certification c
               JOIN members_credential cr ON cr.id = c.credential_id
               CROSS JOIN (VALUES (0), (1)) AS numbers (n)""",
        ),
        (
            "activities (four per closed cycle)",
            """INSERT INTO ccp_activity (title, provider, completed_on, period_start, period_end, quantity,
                   quantity_unit, helps_job, advances_knowledge, prepares_advancement, source, external_id,
                   created_at, updated_at, certification_id, recorded_by_id, category_id)
               SELECT 'Course ' || j || ' of ' || c.id, 'Bench provider', c.certified_on + 100 + 200 * j,
                      NULL, NULL, 12, 'unit', true, false, false, 'member', '', now(), now(), c.id,
                      c.member_id, %(category)s
               FROM members_certification c CROSS JOIN generate_series(0, 3) AS j""",
        ),
    ]
    _steps(steps, params)
    for table in ("members_user", "members_member", "members_certification"):
        _sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    _sql(
        """INSERT INTO audits_auditcampaign (year, seed, sample_rate, sample_size, population_count,
               population_digest, selected_count, started_on, started_at, source, started_by_id)
           SELECT y, 'bench-' || y, 0.05, NULL, %(n)s / 5, md5(y::text) || md5(y::text), 0,
                  make_date(y + 1, 1, 15), make_date(y + 1, 1, 15)::timestamptz, 'bench', NULL
           FROM generate_series(2021, 2025) AS y""",
        {"n": size},
    )


# --- The audits (growing) ----------------------------------------------------------------------------


def reset() -> None:
    _sql("TRUNCATE audits_auditevent, audits_audititem, audits_audit, ccp_activitydocument")
    _sql(
        "UPDATE ccp_cycle SET under_audit = false, audit_result = '' WHERE under_audit OR audit_result <> ''"
    )


def grow(audits: int, documents_per_activity: int) -> None:
    """Audit certifications 1..`audits` (those not audited yet), with items, events and documents."""
    params = {"low": _scalar("SELECT coalesce(max(certification_id), 0) FROM audits_audit"), "high": audits,
              "docs": documents_per_activity}  # fmt: skip
    picked = "FROM members_certification c WHERE c.id > %(low)s AND c.id <= %(high)s"
    steps = [
        (
            "audits",
            f"""INSERT INTO audits_audit (campaign_id, certification_id, cycle_id, rank, state, selected_on,
                   deadline, deadline_set_on, prepared_at, waiting_since, submitted_on, more_rounds,
                   extension, extension_reason, extension_days, required_points, accepted_points,
                   passed_by_verified, decided_on, decided_by_id, outcome_reason, claimed_by_id, claimed_at)
               SELECT camp.id, a.id, cy.id, a.id / 5 + 1, a.state, camp.started_on, camp.started_on + 60,
                      camp.started_on, camp.started_at, a.waiting,
                      CASE WHEN a.state IN ('submitted', 'more_requested') THEN a.waiting::date END,
                      CASE WHEN a.state = 'more_requested' THEN 1 ELSE 0 END,
                      CASE WHEN a.open AND a.id %% 13 = 0 THEN 'asked' ELSE '' END,
                      CASE WHEN a.open AND a.id %% 13 = 0 THEN 'Bench: in hospital' ELSE '' END,
                      CASE WHEN a.open AND a.id %% 13 = 0 THEN 20 END,
                      cy.required_points,
                      CASE WHEN a.state = 'passed' THEN cy.required_points END,
                      a.state = 'passed' AND a.h %% 5 = 0,
                      CASE WHEN NOT a.open THEN a.waiting::date END,
                      CASE WHEN NOT a.open THEN 0 END,
                      CASE WHEN a.state = 'passed' THEN 'Bench: the accepted activities count enough.'
                           WHEN a.state = 'failed' THEN 'Bench: nothing was submitted by the deadline.'
                           ELSE '' END,
                      CASE WHEN a.state = 'submitted' AND a.id %% 3 = 0 THEN 0 END,
                      CASE WHEN a.state = 'submitted' AND a.id %% 3 = 0 THEN a.waiting END
               FROM (SELECT c.id, h, state, state IN ('selected', 'submitted', 'more_requested') AS open,
                            make_date((2022 + c.id %% 5)::int, 1, 15)::timestamptz
                              + make_interval(secs => ((c.id * 7919) %% (40 * 86400))::int) AS waiting
                     FROM (SELECT c.id, abs(hashint4(c.id::int)) %% 100 AS h {picked}) AS c
                     CROSS JOIN LATERAL (
                         SELECT CASE WHEN c.id %% 5 <> 4 THEN CASE WHEN h < 85 THEN 'passed' ELSE 'failed' END
                                     WHEN h < 45 THEN 'selected' WHEN h < 65 THEN 'submitted'
                                     WHEN h < 70 THEN 'more_requested' WHEN h < 92 THEN 'passed'
                                     ELSE 'failed' END AS state
                     ) AS s) AS a
               JOIN audits_auditcampaign camp ON camp.year = 2021 + a.id %% 5
               JOIN ccp_cycle cy ON cy.certification_id = a.id AND cy.number = 0""",
        ),
        (
            "items (the audited cycle's four activities)",
            f"""INSERT INTO audits_audititem (state, verified, added_during_audit, message, decided_at,
                   activity_id, audit_id, decided_by_id)
               SELECT CASE au.state WHEN 'selected' THEN 'needs_proof' WHEN 'submitted' THEN 'uploaded'
                                    WHEN 'more_requested' THEN 'more_requested' WHEN 'passed' THEN 'accepted'
                                    ELSE 'refused' END,
                      false, false, '', CASE WHEN au.state IN ('passed', 'failed') THEN au.waiting_since END,
                      act.id, au.id, CASE WHEN au.state IN ('passed', 'failed') THEN 0 END
               FROM audits_audit au JOIN ccp_activity act ON act.certification_id = au.certification_id
               WHERE au.certification_id IN (SELECT c.id {picked})""",
        ),
        (
            "events (selected)",
            f"""INSERT INTO audits_auditevent (kind, from_state, to_state, message, member_visible, source,
                   effective_on, at, actor_id, audit_id, item_id)
               SELECT 'selected', '', 'selected', 'Selected in the campaign (bench).', true, 'bench',
                      au.selected_on, au.selected_on::timestamptz, NULL, au.id, NULL
               FROM audits_audit au WHERE au.certification_id IN (SELECT c.id {picked})""",
        ),
        (
            "documents",
            f"""INSERT INTO ccp_activitydocument (file, original_name, content_type, size, uploaded_at,
                   activity_id, uploaded_by_id)
               SELECT 'ccp-documents/' || act.certification_id || '/' || md5(act.id || '-' || d) || '.pdf',
                      'certificate-' || d || '.pdf', 'application/pdf', 50000 + (act.id * 31 + d) %% 200000,
                      now(), act.id, act.certification_id
               FROM ccp_activity act CROSS JOIN generate_series(1, %(docs)s) AS d
               WHERE act.certification_id IN (SELECT c.id {picked})""",
        ),
        (
            "cycles under audit / audited",
            """UPDATE ccp_cycle cy
               SET under_audit = au.state IN ('selected', 'submitted', 'more_requested'),
                   audit_result = CASE au.state WHEN 'passed' THEN 'passed' WHEN 'failed' THEN 'failed'
                                                ELSE '' END
               FROM audits_audit au WHERE au.cycle_id = cy.id AND au.certification_id > %(low)s""",
        ),
    ]
    _steps(steps, params)
    _sql("UPDATE audits_auditcampaign camp SET selected_count = (SELECT count(*) FROM audits_audit au "
         "WHERE au.campaign_id = camp.id)")  # fmt: skip
    _sql("VACUUM ANALYZE")  # every table, the small ones too (members_credential: autovacuum skips them)


# --- Measuring ---------------------------------------------------------------------------------------


def first_page(filters: QueueFilters, counting=queue_counts) -> tuple[dict, int, int]:
    """What the queue view asks for, with the rows read as its template reads them."""
    counts = counting(filters, today=TODAY)
    page = queue_page(filters, today=TODAY, page=1)
    rows = [
        (a.certification.member.last_name, a.certification.credential.code, a.campaign.year, a.claimed_by)
        for a in page.object_list
    ]
    return counts, page.paginator.count, len(rows)


@dataclass
class Samples:
    """One variant's first pages on one database: total times, and each query's time in the database."""

    queries: int = 0
    names: tuple = ()
    shown: tuple = ()
    times: list[float] = field(default_factory=list)
    per_query: list[list[float]] = field(default_factory=list)

    def median(self) -> float:
        return statistics.median(self.times)

    def query_medians(self) -> list[float]:
        return [statistics.median(run[index] for run in self.per_query) for index in range(self.queries)]


def bounded_counts(filters: QueueFilters, *, today: datetime.date) -> dict[str, int]:
    """Tried, not the portal's code (--try-bounded-counts): the open tabs counted over the open audits only
    (an index range on state), the decided tabs (the history, growing every year) counted up to CAP
    (shown as "1,000+"): three queries instead of one."""
    audits = selectors._filtered(filters, today=today)
    open_tabs = {key: Count("pk", filter=condition) for key, (_, condition) in QUEUE_STATES.items()
                 if key not in DECIDED_TABS}  # fmt: skip
    counts = audits.filter(state__in=Audit.OPEN_STATES).aggregate(**open_tabs)
    for key in DECIDED_TABS:
        counts[key] = audits.filter(QUEUE_STATES[key][1]).values("pk")[: CAP + 1].count()
    return counts


def measure(samples: dict[str, Samples], repeat: int, *, try_bounded: bool) -> None:
    """`repeat` first pages per variant (after a warm-up) into `samples`, with the queries of one and
    what it showed (the tab's count, the rows on the page)."""
    variants = [(label, filters, queue_counts) for label, filters in VARIANTS.items()]
    if try_bounded:
        variants += [
            (f"{label}; bounded counts", filters, bounded_counts) for label, filters in VARIANTS.items()
        ]
    for label, filters, counting in variants:
        first_page(filters, counting)  # warm-up: plans, caches
        with CaptureQueriesContext(connection) as queries:
            counts, count, rows = first_page(filters, counting)
        into = samples.setdefault(label, Samples())
        into.queries, into.shown = len(queries.captured_queries), (counts["submitted"], rows)
        into.names = QUERY_NAMES if counting is queue_counts else BOUNDED_QUERY_NAMES
        for _ in range(repeat):
            spent: list[float] = []
            with connection.execute_wrapper(partial(_time_query, spent)):
                into.times.append(timed(lambda f=filters, c=counting: first_page(f, c))[0])
            into.per_query.append(spent)


def _time_query(spent: list[float], execute, sql, params, many, context):
    began = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        spent.append(time.perf_counter() - began)


def use_database(name: str) -> None:
    connection.close()
    connection.settings_dict["NAME"] = name


def copy_database(source: str, target: str) -> None:
    """`target` as a copy of `source` (CREATE DATABASE ... TEMPLATE: nobody may be connected to it)."""
    connection.close()
    with connection._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{target}"')
        cursor.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')


def sizes() -> str:
    audits, documents = (
        _scalar("SELECT count(*) FROM audits_audit"),
        _scalar("SELECT count(*) FROM ccp_activitydocument"),
    )
    return f"{audits} audits, {documents} documents"


def report(label: str, results: dict[str, Samples]) -> None:
    print(label)
    for variant, samples in results.items():
        count, rows = samples.shown
        print(
            f"  {variant}: {samples.median() * 1000:7.2f} ms, {samples.queries} queries "
            f"({count} waiting on review, {rows} rows)"
        )
        parts = ", ".join(
            f"{name} {spent * 1000:.2f}"
            for name, spent in zip(samples.names, samples.query_medians(), strict=False)
        )
        print(f"    in the database (ms): {parts}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--base", type=int, default=60_000, help="Members and certifications (constant).")
    parser.add_argument("--small", type=int, default=5_000, help="Audits of the small measurement.")
    parser.add_argument("--large", type=int, default=50_000, help="Audits of the large measurement.")
    parser.add_argument("--documents-per-activity", type=int, default=5, help="Four activities per audit.")
    parser.add_argument("--rounds", type=int, default=5, help="Rounds, alternating small and large.")
    parser.add_argument("--repeat", type=int, default=10, help="First pages per variant and round.")
    parser.add_argument(
        "--try-bounded-counts",
        action="store_true",
        help="Also time the first pages with the tab counts bounded (a proposal, not the portal's code).",
    )
    args = parser.parse_args()
    settings.DEBUG = False  # no query log in the database wrapper, as in production
    if Certification.objects.count() < args.base:
        if Certification.objects.exists():
            raise SystemExit("This database holds other data: use a database of its own for this benchmark.")
        began = time.perf_counter()
        generate_base(args.base)
        print(f"base generated in {time.perf_counter() - began:.1f}s", flush=True)
    small_name = connection.settings_dict["NAME"]
    large_name = f"{small_name}_large"
    reset()
    grow(args.small, args.documents_per_activity)
    copy_database(small_name, large_name)
    use_database(large_name)
    grow(args.large, args.documents_per_activity)
    small: dict[str, Samples] = {}
    large: dict[str, Samples] = {}
    for _ in range(args.rounds):  # alternately, so that the machine's load weighs on both alike
        for name, samples in ((small_name, small), (large_name, large)):
            use_database(name)
            measure(samples, args.repeat, try_bounded=args.try_bounded_counts)
    use_database(small_name)
    report(f"small ({small_name}): {sizes()}", small)
    use_database(large_name)
    report(f"large ({large_name}): {sizes()}", large)
    print("ratio large / small (goal: at most x1.3), queries (must be equal):")
    for variant in small:
        ratio = large[variant].median() / small[variant].median()
        same = "equal" if large[variant].queries == small[variant].queries else "DIFFERENT"
        print(
            f"  {variant}: x{ratio:.2f}, queries {small[variant].queries} / {large[variant].queries} ({same})"
        )
    total_small = sum(small[variant].median() for variant in VARIANTS)
    total_large = sum(large[variant].median() for variant in VARIANTS)
    print(
        f"  all three: {total_small * 1000:.2f} ms -> {total_large * 1000:.2f} ms, "
        f"x{total_large / total_small:.2f}"
    )


if __name__ == "__main__":
    main()

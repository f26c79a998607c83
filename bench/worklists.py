"""Staff work lists: each list's first page at 100,000 and at 1,000,000 members, and the export of every
payment (one per member) as XLSX and CSV with its peak memory.

The body is billing_cohort.py's (one member and certification each, 97% Active and paid, 3% Lapsed with an
open invoice, 2% without a street address), written with set-based SQL, plus what the lists read:

- a payment for every paid invoice (80% by card with a Stripe id, 0.5% of those refunded);
- a declined card payment (requires_payment_method, card_declined) for a third of the open invoices;
- a failed renewal letter for every member without a street address, listed by one mail batch.

The first page of a list is what its view reads: the capped count (core.worklists.CappedPaginator) and the
25 rows, plus for the lapsing list the reason of each row (amtportal.lapsing.lapsing_rows: the open cycles).
Each is timed `--repeat` times (median) at the first size, the body is grown to the second size, and timed
again. The export runs in a fresh process per format (python bench/worklists.py --export-only xlsx), so
its peak resident memory (getrusage ru_maxrss) is the export's own, beside the same process's RSS before it.

    psql -h 127.0.0.1 -U postgres -c "create database amt_bench_worklists"
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/amt_bench_worklists
    .venv/bin/python manage.py migrate -v0
    .venv/bin/python bench/worklists.py --sizes 100000,1000000
"""

import argparse
import datetime
import resource
import subprocess
import sys
import time

import time_machine
from _setup import page_against_statements, timed
from billing_cohort import _next_id, _sql, generate
from django.conf import settings
from django.db import connection, transaction
from django.test import RequestFactory

from amtportal import staff_worklists
from billing import staff_worklist_views as billing_views
from billing import worklists
from billing.models import CardPaymentIntent, Invoice, Payment
from core.exports import csv_response, xlsx_response
from members.models import Certification, Notice, User

DAY = datetime.date(2026, 11, 1)
PAGE = 25


def add_worklist_rows(*, invoice_base: int, member_base: int) -> None:
    """Payments, declined card payments and failed letters for the rows written after the bases."""
    params = {"invoice_base": invoice_base, "member_base": member_base, "day": DAY}
    steps = [
        (
            "payments of the paid invoices",
            """INSERT INTO billing_payment (invoice_id, receipt_number, method, amount_cents, currency,
                   received_on, reference, stripe_payment_intent_id, stripe_refund_id, refunded_on,
                   created_at)
               SELECT i.id, 'R-' || i.id, CASE WHEN i.id %% 5 = 0 THEN 'check' ELSE 'card' END,
                      i.amount_cents, i.currency, i.settled_on,
                      CASE WHEN i.id %% 5 = 0 THEN 'check no. ' || i.id ELSE 'Visa 4242' END,
                      CASE WHEN i.id %% 5 = 0 THEN NULL ELSE 'pi_bench_' || i.id END,
                      CASE WHEN i.id %% 200 = 1 THEN 're_bench_' || i.id ELSE '' END,
                      CASE WHEN i.id %% 200 = 1 THEN i.settled_on + 3 END, now()
               FROM billing_invoice i WHERE i.id > %(invoice_base)s AND i.state = 'paid'""",
        ),
        (
            "declined card payments",
            """INSERT INTO billing_cardpaymentintent (invoice_id, stripe_id, client_secret, amount_cents,
                   status, last_error, last_error_code, created_at, updated_at)
               SELECT i.id, 'pi_declined_' || i.id, 'secret', i.amount_cents, 'requires_payment_method',
                      'Your card was declined.', 'card_declined',
                      now() - (i.id %% 90) * interval '1 day', now() - (i.id %% 90) * interval '1 day'
               FROM billing_invoice i
               WHERE i.id > %(invoice_base)s AND i.state = 'open' AND i.id %% 3 = 0""",
        ),
        (
            "mail batch",
            """INSERT INTO members_mailbatch (day, cutoff, letter_count, manifest, exceptions, completed_at)
               VALUES (%(day)s, now(), 0, '', '[]', now()) ON CONFLICT (day) DO NOTHING""",
        ),
        (
            "failed letters (no street address)",
            """INSERT INTO members_notice (member_id, kind, key, channel, state, recipient, subject,
                   body_text, body_html, message_uuid, attempts, last_error, created_at, mail_batch_id)
               SELECT m.id, 'renewal', 'bench', 'letter', 'failed', '', 'Your renewal', 'Bench letter.', '',
                      gen_random_uuid(), 0, 'No usable mailing address', now(),
                      (SELECT id FROM members_mailbatch WHERE day = %(day)s)
               FROM members_member m WHERE m.id > %(member_base)s AND m.address_line1 = ''""",
        ),
    ]
    with transaction.atomic():
        for label, statement in steps:
            began = time.perf_counter()
            rows = _sql(statement, params)
            print(f"  {label}: {rows} rows in {time.perf_counter() - began:.1f}s", flush=True)
    _sql(
        "VACUUM ANALYZE members_member, members_certification, billing_invoice, billing_payment, "
        "billing_cardpaymentintent, members_notice"
    )


def grow_to(size: int) -> None:
    existing = Certification.objects.count()
    if existing >= size:
        return
    invoice_base, member_base = _next_id("billing_invoice"), _next_id("members_member")
    print(f"generating {size - existing} more members (SQL):", flush=True)
    seconds, _ = timed(lambda: generate(size - existing, DAY))
    add_worklist_rows(invoice_base=invoice_base, member_base=member_base)
    print(f"grown to {Certification.objects.count()} in {seconds:.1f}s + the work list rows", flush=True)


def staff_user() -> User:
    user = User.objects.filter(is_superuser=True, is_staff=True).first()
    return user or User.objects.create_superuser(
        email="bench-admin@bench.example.org", password="bench-admin-1"
    )


# Each list's first page as its view answers it (two-factor is the middleware's, not the view's).
LISTS = {
    "open invoices": (billing_views.open_invoices, {}),
    "overdue invoices, RMA, >= 30 days": (
        billing_views.open_invoices,
        {"credential": "RMA", "overdue_days": "30"},
    ),
    "failed card payments": (billing_views.failed_payments, {}),
    "letters waiting for an address": (billing_views.address_exceptions, {}),
    "lapsing within 90 days": (staff_worklists.lapsing_certifications, {"within": "90"}),
    "lapsing within 30 days": (staff_worklists.lapsing_certifications, {"within": "30"}),
}


def measure_list(view, query: dict, user: User, repeat: int) -> dict:
    """The page (best of `repeat`), and each statement it ran alone (best of `repeat`)."""
    request = RequestFactory().get("/", query)
    request.user = user

    def page():
        response = view(request)
        assert response.status_code == 200, response.status_code

    with time_machine.travel(DAY, tick=True):
        return page_against_statements(page, repeat)


def measure(repeat: int) -> dict[str, dict]:
    user = staff_user()
    return {name: measure_list(view, query, user, repeat) for name, (view, query) in LISTS.items()}


def export_only(extension: str) -> None:
    """In a fresh process: every payment exported, the file streamed to nowhere; RSS before and at peak."""
    settings.DEBUG = False
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    first, last = Payment.objects.order_by("received_on").values_list("received_on", flat=True)[:1][0], DAY
    payments = worklists.payments_received(start=first, end=last)
    response = {"csv": csv_response, "xlsx": xlsx_response}[extension]

    def run():
        made = response(header=worklists.PAYMENT_COLUMNS, rows=worklists.payment_rows(payments), filename="x")
        size = sum(len(part) for part in made.streaming_content)
        made.close()
        return size

    seconds, size = timed(run)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows = Payment.objects.count()
    print(f"{extension}: {rows} payments, {size / 1e6:.1f} MB file in {seconds:.1f}s; "
          f"RSS {before:.0f} MB before, peak {peak:.0f} MB")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100000,1000000", help="Body sizes measured, growing.")
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument(
        "--export-only", choices=["csv", "xlsx"], help="(internal) one export, fresh process."
    )
    parser.add_argument("--no-export", action="store_true")
    parser.add_argument("--show-sql", action="store_true", help="Print each page's slowest statement.")
    args = parser.parse_args()
    if args.export_only:
        export_only(args.export_only)
        return
    settings.DEBUG = False
    print(f"database {connection.settings_dict['NAME']}; bench day {DAY}")
    measured = {}
    for size in [int(size) for size in args.sizes.split(",")]:
        grow_to(size)
        print(f"body: {Certification.objects.count()} certifications, {Invoice.objects.count()} invoices "
              f"({Invoice.objects.filter(state='open').count()} open), {Payment.objects.count()} payments, "
              f"{CardPaymentIntent.objects.count()} declined card payments, "
              f"{Notice.objects.filter(state='failed').count()} failed letters", flush=True)  # fmt: skip
        measured[size] = measure(args.repeat)
        heading = f"first page (best of {args.repeat})"
        print(f"  {heading:36} {'page':>9} {'slowest SQL':>12} {'ratio':>6} {'all SQL':>9} {'rest':>8}")
        for name, m in measured[size].items():
            rest = m["page"] - m["sum"]  # what the page adds to its statements: form, rows, template
            print(f"  {name:36} {m['page'] * 1000:7.1f}ms {m['slowest'] * 1000:10.1f}ms "
                  f"{m['page'] / m['slowest']:5.2f}x {m['sum'] * 1000:7.1f}ms {rest * 1000:6.1f}ms "
                  f"({m['queries']} queries)", flush=True)  # fmt: skip
            if args.show_sql:
                print(f"      slowest: {m['sql']}")
    sizes = sorted(measured)
    if len(sizes) > 1:
        small, large = measured[sizes[0]], measured[sizes[-1]]
        print(f"\nfirst page, best of {args.repeat}: {sizes[0]} -> {sizes[-1]} members")
        for name in LISTS:
            before, after = small[name]["page"] * 1000, large[name]["page"] * 1000
            print(f"  {name:36} {before:7.1f} ms -> {after:7.1f} ms  x{after / before:.2f}")
    if not args.no_export:
        for extension in ("xlsx", "csv"):
            subprocess.run([sys.executable, __file__, "--export-only", extension], check=True)


if __name__ == "__main__":
    main()

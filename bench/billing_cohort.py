"""One day of annual renewal for a whole body: the invoice job and the renewal notices (with e-mail delivery).

A body of N members (default 1,000,000), one certification each, spread evenly over the 12 anniversary
months, is written with set-based SQL (`INSERT ... SELECT generate_series`): 97% Active and paid through the
end of the fee year that contains the bench day (with the paid invoice of that year), about 3% Lapsed (the
current fee year unpaid: an open invoice whose lapse notice went out), 2% without a street address. On the
bench day (default 2026-11-01: fees due 2026-12-31, 60 days later) the anniversary month of December, about
1/12 of the body, gets its invoice, an at-issue e-mail and an at-issue letter.

Timed, in this order:
  1. invoices_issue_due(today=DAY)                 the daily invoice job
  2. renewal_notices_send(today=DAY)               outbox rows + e-mail delivery through EMAIL_BACKEND
                                                   (Celery eager: no REDIS_URL), split into render / deliver
  3. both again on the same day                    must write nothing
  4. baselines on the same rows, rolled back       one SQL INSERT ... SELECT copying the day's invoices and
                                                   their events; a plain bulk_create of the same invoices;
                                                   one INSERT ... SELECT copying the day's notices; the same
                                                   number of e-mails through the backend in one send_messages
Letters are left pending for the mail batch (bench/letter_batch.py measures it).

E-mail goes to the locmem backend (kept in memory, counted, then dropped), never to the console; DEBUG is
switched off after setup so that the database wrapper does not log every query, as in production.

`--reuse` keeps a body generated before and deletes only what the bench day wrote (invoices issued on or
after DAY, their events, renewal notices, mail batches), so the whole script can be run again.
"""

import argparse
import datetime
import pstats
import time

from _setup import rolled_back, timed, timed_profiled
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core import mail
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction

import members.services
import members.services.notices
from billing.models import Invoice, InvoiceEvent
from billing.services.issuing import invoices_issue_due
from billing.services.notices import renewal_notices_send
from members.models import Certification, Member, Notice, User

EMAIL_BACKENDS = {
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
    "dummy": "django.core.mail.backends.dummy.EmailBackend",
}
SPENT = {"render": 0.0, "deliver": 0.0, "delivered": 0}


# --- Data --------------------------------------------------------------------------------------------


def _sql(statement: str, params=None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def _next_id(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")  # noqa: S608 - fixed table names
        return cursor.fetchone()[0]


def generate(size: int, day: datetime.date) -> None:
    """`size` users, members and certifications (one each) and their invoice history, in SQL."""
    credential_ids = list(
        Certification._meta.get_field("credential").related_model.objects.values_list("pk", flat=True)
    )
    params = {
        "n": size,
        "user_base": _next_id("members_user"),
        "member_base": _next_id("members_member"),
        "cert_base": _next_id("members_certification"),
        "password": make_password("bench-password-1"),
        "year": day.year,
        "month": day.month,
        "credentials": credential_ids,
    }
    steps = [
        (
            "users",
            """INSERT INTO members_user (id, password, is_superuser, first_name, last_name, is_staff,
                   is_active, date_joined, email)
               SELECT %(user_base)s + i, %(password)s, false, '', '', false, true, now(),
                      'cohort' || (%(user_base)s + i) || '@bench.example.org'
               FROM generate_series(1, %(n)s) AS i""",
        ),
        (
            # 2% (by a hash of i) have no street address: their letters are exceptions of the mail batch.
            "members",
            """INSERT INTO members_member (id, member_number, first_name, middle_name, last_name, phone,
                   address_line1, address_line2, city, state, postal_code, country, created_at, user_id)
               SELECT %(member_base)s + i, 'C' || lpad((%(member_base)s + i)::text, 9, '0'), 'Bench', '',
                      'Member' || (%(member_base)s + i), '',
                      CASE WHEN abs(hashint4(i)) %% 100 < 2 THEN ''
                           ELSE (i %% 9000 + 1) || ' Test Road' END,
                      '', 'Springfield', 'IL', '62701', 'US', now(), %(user_base)s + i
               FROM generate_series(1, %(n)s) AS i""",
        ),
        (
            # Anniversary month i % 12 + 1; cur = first day of the fee year containing the bench day.
            # 3% Lapsed (not in the bench day's own month, whose fee is not due yet): the current fee year
            # is unpaid; everyone else is Active and paid through the end of the current fee year.
            "certifications",
            """INSERT INTO members_certification (id, certified_on, reinstated_on, paid_through, status,
                   status_reason, lapse_date, active_through, verification_token, created_at,
                   credential_id, member_id)
               SELECT %(cert_base)s + i, certified_on, NULL,
                      CASE WHEN lapsed THEN cur - 1 ELSE (cur + interval '1 year')::date - 1 END,
                      CASE WHEN lapsed THEN 'lapsed' ELSE 'active' END,
                      CASE WHEN lapsed THEN 'Lapsed (fees): bench data.' ELSE 'In good standing (bench data).'
                      END,
                      CASE WHEN lapsed THEN cur_due + 1 END,
                      CASE WHEN lapsed THEN NULL
                           ELSE (date_trunc('month', cur + interval '1 year')
                                 + interval '1 month - 1 day')::date
                      END,
                      'bench-' || (%(cert_base)s + i) || '-' || md5(i::text), now(),
                      (%(credentials)s::bigint[])[1 + (i / 12) %% cardinality(%(credentials)s::bigint[])],
                      %(member_base)s + i
               FROM (
                   SELECT i, m, cur,
                          (date_trunc('month', cur) + interval '1 month - 1 day')::date AS cur_due,
                          make_date(%(year)s - 2 - abs(hashint4(i + 7)) %% 23, m,
                                    1 + abs(hashint4(i + 11)) %% 28) AS certified_on,
                          (abs(hashint4(i + 3)) %% 100 < 3 AND m <> %(month)s) AS lapsed
                   FROM (
                       SELECT i, m,
                              make_date(CASE WHEN m <= %(month)s THEN %(year)s ELSE %(year)s - 1 END,
                                        m, 1) AS cur
                       FROM (SELECT i, i %% 12 + 1 AS m FROM generate_series(1, %(n)s) AS i) AS months
                   ) AS current_years
               ) AS rows""",
        ),
        (
            # The paid invoice of the latest paid fee year (the one ending on paid_through).
            "paid invoices (history)",
            """INSERT INTO billing_invoice (number, kind, fee_year_start, fee_year_end, description,
                   continue_path, amount_cents, currency, issued_on, due_on, state, state_reason,
                   settled_on, notice_position, created_at, certification_id)
               SELECT cr.code || '-' || m.member_number || '-' || to_char(fy.start, 'YYYYMM'), 'annual',
                      fy.start, c.paid_through, cr.code || ' annual fee (bench history)', '',
                      cr.annual_fee_cents, cr.currency, fy.due - 60, fy.due, 'paid',
                      'Card payment (bench history)',
                      fy.due - 20, 1,
                      now(), c.id
               FROM members_certification c
               JOIN members_member m ON m.id = c.member_id
               JOIN members_credential cr ON cr.id = c.credential_id
               CROSS JOIN LATERAL (
                   SELECT (c.paid_through + 1 - interval '1 year')::date AS start,
                          (date_trunc('month', c.paid_through + 1 - interval '1 year')
                           + interval '1 month - 1 day')::date AS due
               ) AS fy
               WHERE c.id > %(cert_base)s""",
        ),
        (
            # Lapsed: the open invoice of the unpaid fee year; every step up to the lapse notice was sent.
            "open invoices of the lapsed",
            """INSERT INTO billing_invoice (number, kind, fee_year_start, fee_year_end, description,
                   continue_path, amount_cents, currency, issued_on, due_on, state, state_reason,
                   settled_on, notice_position, created_at, certification_id)
               SELECT cr.code || '-' || m.member_number || '-' || to_char(c.paid_through + 1, 'YYYYMM'),
                      'annual', c.paid_through + 1, (c.paid_through + 1 + interval '1 year')::date - 1,
                      cr.code || ' annual fee (bench history)', '', cr.annual_fee_cents, cr.currency,
                      c.lapse_date - 61, c.lapse_date - 1, 'open', '', NULL, 4, now(), c.id
               FROM members_certification c
               JOIN members_member m ON m.id = c.member_id
               JOIN members_credential cr ON cr.id = c.credential_id
               WHERE c.id > %(cert_base)s AND c.status = 'lapsed'""",
        ),
    ]
    with transaction.atomic():
        for label, statement in steps:
            began = time.perf_counter()
            rows = _sql(statement, params)
            print(f"  {label}: {rows} rows in {time.perf_counter() - began:.1f}s", flush=True)
    for table in ("members_user", "members_member", "members_certification"):
        _sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")


def reset_day(day: datetime.date) -> None:
    """Forget what a previous run of the bench day wrote (the generated history is issued before it)."""
    with transaction.atomic():
        _sql("DELETE FROM members_notice WHERE kind = 'renewal'")
        _sql("DELETE FROM members_mailbatchpart")
        _sql("DELETE FROM members_mailbatch")
        _sql(
            "DELETE FROM billing_invoiceevent WHERE invoice_id IN "
            "(SELECT id FROM billing_invoice WHERE issued_on >= %s)",
            [day],
        )
        _sql("DELETE FROM billing_invoice WHERE issued_on >= %s", [day])


# --- Timing ------------------------------------------------------------------------------------------


def measure_the_parts() -> None:
    """Time apart the template rendering of the outbox rows and the e-mail delivery (eager Celery)."""
    render = members.services.notices._render
    deliver = members.services.notice_deliver

    def timed_render(*args, **kwargs):
        began = time.perf_counter()
        try:
            return render(*args, **kwargs)
        finally:
            SPENT["render"] += time.perf_counter() - began

    def timed_deliver(**kwargs):
        began = time.perf_counter()
        try:
            sent = deliver(**kwargs)
            SPENT["delivered"] += bool(sent)
            return sent
        finally:
            SPENT["deliver"] += time.perf_counter() - began

    members.services.notices._render = timed_render
    members.services.notice_deliver = timed_deliver  # members.tasks.deliver_notices looks it up here


INVOICE_COLUMNS = (
    "kind, fee_year_start, fee_year_end, description, continue_path, amount_cents, currency, issued_on, "
    "due_on, state_reason, settled_on, notice_position, created_at, certification_id"
)


def baseline_invoices_sql(day: datetime.date) -> int:
    """The day's invoices and their 'issued' events copied by two INSERT ... SELECT (as void, with another
    number: the partial unique constraint allows it)."""
    rows = _sql(
        f"INSERT INTO billing_invoice (number, state, {INVOICE_COLUMNS}) "  # noqa: S608
        f"SELECT number || '-B', 'void', {INVOICE_COLUMNS} FROM billing_invoice WHERE issued_on = %s",
        [day],
    )
    _sql(
        "INSERT INTO billing_invoiceevent "
        "(from_state, to_state, reason, effective_on, source, at, invoice_id) "
        "SELECT '', 'open', 'issued', %s, 'bench baseline', now(), b.id "
        "FROM billing_invoice b WHERE b.issued_on = %s AND b.number LIKE '%%-B'",
        [day, day],
    )
    return rows


def baseline_invoices_bulk_create(day: datetime.date, originals: list[Invoice]) -> int:
    """The same invoices and events through bulk_create(batch_size=500), with no service logic."""
    now = members.services.notices.clock.now()
    copies = [
        Invoice(
            number=f"{invoice.number}-C",
            certification_id=invoice.certification_id,
            kind=invoice.kind,
            fee_year_start=invoice.fee_year_start,
            fee_year_end=invoice.fee_year_end,
            description=invoice.description,
            amount_cents=invoice.amount_cents,
            currency=invoice.currency,
            issued_on=invoice.issued_on,
            due_on=invoice.due_on,
            state=Invoice.State.VOID,
        )
        for invoice in originals
    ]
    Invoice.objects.bulk_create(copies, batch_size=500)
    InvoiceEvent.objects.bulk_create(
        [
            InvoiceEvent(invoice=c, from_state="", to_state="open", reason="issued", effective_on=day,
                         source="bench baseline", at=now)
            for c in copies
        ],
        batch_size=500,
    )  # fmt: skip
    return len(copies)


NOTICE_COLUMNS = "kind, channel, recipient, subject, body_text, body_html, attempts, last_error, member_id"


def baseline_notices_sql(first_id: int) -> int:
    """The day's outbox rows copied by one INSERT ... SELECT (another key and Message-ID)."""
    return _sql(
        f"INSERT INTO members_notice (key, state, message_uuid, created_at, {NOTICE_COLUMNS}) "  # noqa: S608
        f"SELECT key || '-B', 'pending', gen_random_uuid(), now(), {NOTICE_COLUMNS} "
        "FROM members_notice WHERE id > %s",
        [first_id],
    )


def baseline_send(first_id: int) -> int:
    """The same e-mails built from the stored rows and sent through the backend in one send_messages."""
    messages = []
    for notice in Notice.objects.filter(pk__gt=first_id, channel=Notice.Channel.EMAIL).iterator(
        chunk_size=2000
    ):
        message = EmailMultiAlternatives(
            subject=notice.subject,
            body=notice.body_text,
            to=[notice.recipient],
            headers={"Message-ID": notice.message_id},
        )
        message.attach_alternative(notice.body_html, "text/html")
        messages.append(message)
    with get_connection() as backend:
        return backend.send_messages(messages)


def try_batched_delivery(first_id: int, batch_size: int) -> tuple[float, int, int]:
    """The day's e-mails set back to pending (untimed), then delivered again in batches by the service the
    catch-up job uses (`notices_deliver_many`); returns (seconds, sent, rows still not sent). The rows end as
    they were: sent."""
    ids = list(
        Notice.objects.filter(pk__gt=first_id, channel=Notice.Channel.EMAIL)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    Notice.objects.filter(pk__in=ids).update(state=Notice.State.PENDING, sent_at=None, attempts=0)
    mail.outbox = []
    seconds, sent = timed(
        lambda: members.services.notices.notices_deliver_many(notice_ids=ids, batch_size=batch_size)
    )
    mail.outbox = []
    left = Notice.objects.filter(pk__in=ids).exclude(state=Notice.State.SENT).count()
    return seconds, sent, left


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--date", default="2026-11-01", help="The bench day (fees due 60 days later).")
    parser.add_argument("--members", type=int, default=1_000_000, help="Body size (one certification each).")
    parser.add_argument("--reuse", action="store_true", help="Keep the body already in the database.")
    parser.add_argument("--chunk-size", type=int, default=1000, help="Of both services (their default).")
    parser.add_argument("--email-backend", choices=sorted(EMAIL_BACKENDS), default="locmem")
    parser.add_argument(
        "--try-batched-delivery", type=int, metavar="BATCH",
        help="Then deliver the day's e-mails again in batches (notices_deliver_many, "
        "BATCH ids a transaction).",
    )  # fmt: skip
    parser.add_argument("--profile", type=int, metavar="N", help="Profile the notices run: N costliest.")
    args = parser.parse_args()
    day = datetime.date.fromisoformat(args.date)
    if (day + datetime.timedelta(days=61)).day != 1:
        print(f"note: {day} + 60 days is not the last day of a month: no anniversary month is issued today")

    settings.EMAIL_BACKEND = EMAIL_BACKENDS[args.email_backend]  # never the console: 80k messages
    settings.DEBUG = False  # no query log in the database wrapper, as in production
    assert settings.CELERY_TASK_ALWAYS_EAGER, "unset REDIS_URL: the bench delivers e-mail in-process"
    print(f"database {connection.settings_dict['NAME']}; e-mail backend {settings.EMAIL_BACKEND}; "
          f"Celery eager; bench day {day}")  # fmt: skip

    existing = Certification.objects.count()
    if args.reuse and existing:
        print(f"reusing {existing} certifications; forgetting what earlier runs wrote on or after {day}")
        reset_day(day)
    else:
        if existing:
            raise SystemExit(
                f"{existing} certifications are there already: pass --reuse or use an empty database"
            )
        print(f"generating {args.members} members, certifications and their invoice history (SQL):")
        seconds, _ = timed(lambda: generate(args.members, day))
        print(f"generated in {seconds:.1f}s")
    _sql("VACUUM ANALYZE members_user, members_member, members_certification, billing_invoice, "
         "billing_invoiceevent, members_notice")  # fmt: skip
    print(
        f"body: {Member.objects.count()} members, {User.objects.count()} users, "
        f"{Certification.objects.count()} certifications "
        f"({Certification.objects.filter(status='lapsed').count()} lapsed), "
        f"{Invoice.objects.count()} invoices before the day "
        f"({Invoice.objects.filter(state='open').count()} open), "
        f"{Member.objects.filter(address_line1='').count()} members without a street address"
    )

    measure_the_parts()
    mail.outbox = []
    first_invoice = _next_id("billing_invoice")
    first_notice = _next_id("members_notice")

    issue_seconds, issued = timed(lambda: invoices_issue_due(today=day, chunk_size=args.chunk_size))
    send_seconds, written, profiler = timed_profiled(
        lambda: renewal_notices_send(today=day, chunk_size=args.chunk_size), profile=bool(args.profile)
    )
    render_seconds, deliver_seconds, delivered = SPENT["render"], SPENT["deliver"], SPENT["delivered"]
    outbox = len(mail.outbox)
    mail.outbox = []
    new_notices = Notice.objects.filter(pk__gt=first_notice)
    emails_sent = new_notices.filter(channel="email", state="sent").count()
    emails_pending = new_notices.filter(channel="email").exclude(state="sent").count()
    letters = new_notices.filter(channel="letter", state="pending")
    letters_pending = letters.count()
    letters_no_address = letters.filter(member__address_line1="").count()

    reissue_seconds, reissued = timed(lambda: invoices_issue_due(today=day, chunk_size=args.chunk_size))
    resend_seconds, rewritten = timed(lambda: renewal_notices_send(today=day, chunk_size=args.chunk_size))

    originals = list(Invoice.objects.filter(pk__gt=first_invoice).order_by("pk"))
    assert len(originals) == issued, (len(originals), issued)
    sql_seconds, sql_rows = rolled_back(lambda: timed(lambda: baseline_invoices_sql(day)))
    bulk_seconds, bulk_rows = rolled_back(
        lambda: timed(lambda: baseline_invoices_bulk_create(day, originals))
    )
    notices_sql_seconds, notices_sql_rows = rolled_back(
        lambda: timed(lambda: baseline_notices_sql(first_notice))
    )
    mail.outbox = []
    backend_seconds, backend_sent = timed(lambda: baseline_send(first_notice))
    mail.outbox = []

    per = 1000 / max(issued, 1)
    print(f"\nbench day {day}: {issued} invoices issued, {written} messages written "
          f"({emails_sent} e-mails sent, {emails_pending} not sent; {letters_pending} letters pending for "
          f"the mail batch, of which {letters_no_address} without a street address); "
          f"backend outbox {outbox}")  # fmt: skip
    print(f"baseline, INSERT ... SELECT of {sql_rows} invoices + events:    {sql_seconds:8.2f}s")
    print(f"baseline, bulk_create of {bulk_rows} invoices + events:         {bulk_seconds:8.2f}s")
    print(f"invoices_issue_due ({issued} issued):              {issue_seconds:8.2f}s "
          f"x{issue_seconds / sql_seconds:.1f} (x{issue_seconds / bulk_seconds:.1f} bulk_create) "
          f"{issue_seconds * per:.3f} ms/invoice")  # fmt: skip
    print(f"baseline, INSERT ... SELECT of {notices_sql_rows} notices:      {notices_sql_seconds:8.2f}s")
    print(f"baseline, {backend_sent} e-mails in one send_messages:          {backend_seconds:8.2f}s")
    print(f"renewal_notices_send ({written} written, {delivered} e-mails delivered): {send_seconds:8.2f}s "
          f"x{send_seconds / (notices_sql_seconds + backend_seconds):.1f} (vs the two baselines above) "
          f"{send_seconds * per:.3f} ms/invoice")  # fmt: skip
    print(f"  of which rendering the messages (_render):     {render_seconds:8.2f}s")
    print(f"  of which e-mail delivery (notice_deliver x{delivered}): {deliver_seconds:8.2f}s "
          f"{deliver_seconds * 1000 / max(delivered, 1):.3f} ms/e-mail")  # fmt: skip
    print(
        f"  the rest (selecting, locking, writing):        "
        f"{send_seconds - render_seconds - deliver_seconds:8.2f}s"
    )
    print(
        f"both jobs: {issue_seconds + send_seconds:8.2f}s, "
        f"{(issue_seconds + send_seconds) * per:.3f} ms/invoice"
    )
    print(f"rerun the same day: invoices_issue_due ({reissued} issued) {reissue_seconds:8.2f}s; "
          f"renewal_notices_send ({rewritten} written) {resend_seconds:8.2f}s")  # fmt: skip
    if args.try_batched_delivery:
        batched_seconds, batched_sent, left = try_batched_delivery(first_notice, args.try_batched_delivery)
        print(f"batched delivery ({args.try_batched_delivery} a transaction, one connection), "
              f"the same "
              f"{batched_sent} e-mails again ({left} not sent): {batched_seconds:8.2f}s "
              f"{batched_seconds * 1000 / max(batched_sent, 1):.3f} ms/e-mail, "
              f"x{deliver_seconds / batched_seconds:.1f} faster than notice_deliver one by one")  # fmt: skip
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.profile)


if __name__ == "__main__":
    main()

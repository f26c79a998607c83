"""Renewal notices (billing/services/notices.py): each step once per invoice and channel, never after the
invoice is settled, only the latest step after missed days; what the e-mail says and links to.

Default: RMA certified 2019-05-14, paid through 2026-04-30; the 2026-05-01 fee year is invoiced on
2026-04-01 (due 2026-05-31, lapse date 2026-06-01 with 0 days of grace). Seeded steps: at issue (e-mail
and letter), 30 days before the due date (e-mail), on the due date (e-mail), lapse date (e-mail and letter).
"""

import datetime

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend

from billing import services
from billing.models import Invoice
from billing.services.notices import renewal_notices_of
from members.models import CertificationPolicy, Notice
from members.services import certification_refresh_status, notices_deliver_pending
from tests.factories import MemberFactory, make_certification, make_staff

pytestmark = pytest.mark.django_db

D = datetime.date
ISSUE_DAY = D(2026, 4, 1)
DUE = D(2026, 5, 31)
PAY_URL = "http://127.0.0.1:8000/invoices/{}/pay/"


def days(first: D, last: D):
    while first <= last:
        yield first
        first += datetime.timedelta(days=1)


@pytest.fixture
def invoice(db):
    member = MemberFactory(first_name="Pat", last_name="O'Brien")
    make_certification(member, certified_on=D(2019, 5, 14), today=D(2026, 3, 1), paid_through=D(2026, 4, 30))
    services.invoices_issue_due(today=ISSUE_DAY)
    return Invoice.objects.get()


@pytest.fixture
def run_day(django_capture_on_commit_callbacks):
    """The daily notice job for one day, run twice (a rerun must add nothing); e-mails leave on commit."""

    def run(day: D) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            written = services.renewal_notices_send(today=day)
        with django_capture_on_commit_callbacks(execute=True):
            assert services.renewal_notices_send(today=day) == 0
        return written

    return run


def sent(invoice) -> list[tuple[str, str]]:
    return sorted((n.key.split(":", 1)[1], n.channel) for n in renewal_notices_of(invoice))


def test_every_step_goes_once_per_channel_when_the_job_runs_every_day(invoice, run_day):
    """Given an unpaid invoice, when the job runs every day (twice) from issue to well past the lapse date,
    then each step went once by each of its channels, on its own day, and four e-mails left."""
    written = {day: run_day(day) for day in days(D(2026, 3, 30), D(2026, 7, 15))}

    assert {day: count for day, count in written.items() if count} == {
        D(2026, 4, 1): 2,
        D(2026, 5, 1): 1,
        D(2026, 5, 31): 1,
        D(2026, 6, 1): 2,
    }
    assert sent(invoice) == [
        ("at-issue", "email"),
        ("at-issue", "letter"),
        ("before-due", "email"),
        ("due-date", "email"),
        ("lapse", "email"),
        ("lapse", "letter"),
    ]
    assert [message.subject for message in mail.outbox] == [
        "Your RMA annual fee of $50.00 is due May 31, 2026",
        "Your RMA annual fee of $50.00 is due May 31, 2026",
        "Final reminder: your RMA annual fee of $50.00 is due today",
        "Your RMA certification has lapsed: annual fee of $50.00 unpaid",
    ]
    assert refreshed(invoice).notice_position == 4
    letters = renewal_notices_of(invoice).filter(channel="letter")
    assert {letter.state for letter in letters} == {"pending"}  # waiting for the mail batch
    assert letters.get(key__endswith=":lapse").recipient.splitlines() == [
        "Pat O'Brien",
        "12 Elm Street",
        "Springfield, IL 62701",
    ]


def refreshed(obj):
    obj.refresh_from_db()
    return obj


def test_no_reminder_after_the_invoice_is_paid(invoice, run_day):
    """Given the at-issue notice and the 30-day reminder sent, when a check is recorded on May 10, then no
    final reminder and no lapse notice follow; the certification stays Active."""
    for day in days(ISSUE_DAY, D(2026, 5, 9)):
        run_day(day)
    services.invoice_record_check(
        invoice=invoice, check_number="55", received_on=D(2026, 5, 10), today=D(2026, 5, 10),
        actor=make_staff("Billing staff"),
    )  # fmt: skip
    for day in days(D(2026, 5, 10), D(2026, 7, 1)):
        assert run_day(day) == 0

    assert sent(invoice) == [("at-issue", "email"), ("at-issue", "letter"), ("before-due", "email")]
    assert renewal_notices_of(invoice).get(channel="letter").state == "cancelled"
    assert invoice.certification.status == "active" and refreshed(invoice.certification).status == "active"


def test_a_waived_or_voided_invoice_gets_no_reminder(invoice, run_day):
    staff = make_staff("Billing staff")
    services.invoice_waive(invoice=invoice, reason="hardship", today=ISSUE_DAY, actor=staff)
    assert run_day(ISSUE_DAY) == 0
    services.invoice_void(
        invoice=invoice, reason="waived in error", today=ISSUE_DAY, actor=staff, source="staff"
    )
    assert (
        run_day(D(2026, 4, 2)) == 0
    )  # its replacement is issued by tomorrow's invoice job, not reminded here
    assert sent(invoice) == []


def test_after_missed_days_only_the_latest_due_step_is_sent(invoice, run_day):
    """Given the at-issue notice sent, when the job does not run again until June 3, then only the lapse
    notice goes (e-mail and letter), not the 30-day and the final reminders as well, and never later."""
    run_day(ISSUE_DAY)
    assert run_day(D(2026, 6, 3)) == 2
    assert run_day(D(2026, 6, 4)) == 0

    assert sent(invoice) == [
        ("at-issue", "email"),
        ("at-issue", "letter"),
        ("lapse", "email"),
        ("lapse", "letter"),
    ]
    assert [message.subject.split(":")[0] for message in mail.outbox] == [
        "Your RMA annual fee of $50.00 is due May 31, 2026",
        "Your RMA certification has lapsed",
    ]


def test_an_arrears_invoice_starts_with_the_lapse_notice(run_day):
    """Given a certification lapsed since June 2025, when its arrears invoice is issued in March 2026, then
    the first notice is the lapse notice, and no earlier step is sent for it afterwards."""
    cert = make_certification(certified_on=D(2019, 5, 14), today=D(2025, 5, 1), paid_through=D(2025, 4, 30))
    certification_refresh_status(certification=cert, today=D(2026, 3, 2), source="daily status job")
    services.invoices_issue_due(today=D(2026, 3, 2))
    arrears = Invoice.objects.get()
    assert run_day(D(2026, 3, 2)) == 2
    for day in days(D(2026, 3, 3), D(2026, 3, 31)):
        assert run_day(day) == 0
    assert sent(arrears) == [("lapse", "email"), ("lapse", "letter")]
    assert "was due on May 31, 2025 and is still unpaid" in mail.outbox[0].body


def test_grace_days_move_the_lapse_notice(invoice, run_day, db):
    CertificationPolicy.objects.update_or_create(pk=1, defaults={"grace_days": 10})
    run_day(DUE)
    assert run_day(D(2026, 6, 10)) == 0
    assert run_day(D(2026, 6, 11)) == 2
    due_date_message = mail.outbox[0]
    assert "your certification lapses on June 11, 2026" in due_date_message.body


def test_a_final_reminder_sent_after_the_due_date_does_not_say_due_today(invoice, run_day):
    # Given 10 days of grace and a notice job that missed the due date (May 31): on June 5 the final
    # reminder is still the latest step due (the lapse notice comes on June 11)
    CertificationPolicy.objects.update_or_create(pk=1, defaults={"grace_days": 10})

    # When the job runs that day
    assert run_day(D(2026, 6, 5)) == 1

    # Then the member's e-mail says the fee was due, not that it is due today
    [message] = mail.outbox
    assert renewal_notices_of(invoice).get().key == f"{invoice.number}:due-date"
    assert message.subject == "Overdue: your RMA annual fee of $50.00 was due May 31, 2026"
    assert "due today" not in message.body
    assert "certification was due on May 31, 2026 and is still unpaid." in message.body
    # and, still within grace, the day the certification lapses if it stays unpaid
    assert "If it is not paid, your certification lapses on June 11, 2026." in " ".join(message.body.split())


def test_the_e_mail_names_the_amount_the_due_date_and_links_to_the_pay_page(invoice, run_day):
    run_day(ISSUE_DAY)

    [message] = mail.outbox
    member = invoice.certification.member
    pay_url = PAY_URL.format(invoice.number)
    assert message.to == [member.user.email]
    assert message.subject == "Your RMA annual fee of $50.00 is due May 31, 2026"
    for part in (message.body, message.alternatives[0].content):
        assert "$50.00" in part
        assert "May 31, 2026" in part
        assert pay_url in part
        assert invoice.number in part
        assert f"member number {member.member_number}" in part
    assert message.body.startswith("Dear Pat O'Brien,\n")  # the text part is not HTML-escaped
    assert "RMA (Registered Medical Assistant)" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert f'<a href="{pay_url}"' in html
    assert "Dear Pat O&#x27;Brien," in html


def test_the_message_id_is_fixed_when_the_notice_is_written(invoice, run_day, settings):
    """Given the first delivery fails (the mail server is down), when the catch-up job sends it, then it
    carries the Message-ID written with the row; a resend (a crash before it was recorded) carries it
    again."""
    settings.EMAIL_BACKEND = "tests.billing.test_notices.DownBackend"
    run_day(ISSUE_DAY)
    notice = renewal_notices_of(invoice).get(channel="email")
    assert (notice.state, len(mail.outbox)) == ("failed", 0)
    message_id = notice.message_id
    assert message_id.startswith("<") and message_id.endswith("@127.0.0.1>")

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notices_deliver_pending() == 1
    assert notices_deliver_pending() == 0
    Notice.objects.filter(pk=notice.pk).update(state="pending")  # the crash: sent, but not recorded
    assert notices_deliver_pending() == 1

    assert [m.message()["Message-ID"] for m in mail.outbox] == [message_id, message_id]
    assert refreshed(notice).state == "sent" and notice.attempts == 3


class DownBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")

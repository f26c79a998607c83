"""The billing side of the daily jobs on PostgreSQL, over a simulated 120 days: every day's run (twice)
issues exactly the invoices, e-mails and letters the rules call for, and a run killed part-way and
started again ends with the same result as an undisturbed one.

What is expected is computed here from DOMAIN.md "Annual renewal" directly (fee years due 60 days ahead,
the four seeded steps and their channels, only the latest step after missed days), not with billing.rules.
Nobody pays in these runs. Only the daily jobs that make or send billing output run (in DAILY_JOBS order,
through `run_daily_jobs --only`): the CCP jobs are left out because their cycles and notices are counted by
the CCP tests, and with CCP jobs a certification could leave Active and Lapsed, which is not what is
counted here.
"""

import datetime
import io
from collections import Counter
from dataclasses import dataclass, field

import pytest
import time_machine
from django.core import mail
from django.core.files.storage import default_storage
from django.core.management import call_command
from pypdf import PdfReader

import billing.services
from amtportal.jobs import DAILY_JOBS
from billing.models import Invoice
from billing.services import issuing as invoice_services
from billing.services import notices as notice_services
from members.models import Certification, MailBatch, MailBatchPart, Notice
from members.services import mail_batch as mail_batch_service
from tests.factories import MemberFactory, make_certification

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

D = datetime.date
ONE_DAY = datetime.timedelta(days=1)
FIRST_DAY = D(2026, 3, 1)
LAST_DAY = FIRST_DAY + datetime.timedelta(days=119)  # 120 days: 2026-03-01 .. 2026-06-28
BILLING_JOBS = [
    job.name
    for job in DAILY_JOBS
    if job.name
    in {
        "update statuses",
        "issue renewal invoices",
        "send renewal notices",
        "mail batch",
        "deliver pending notices",
    }
]


def days(first: D, last: D):
    while first <= last:
        yield first
        first += ONE_DAY


def month_end(day: D) -> D:
    following = day.replace(day=28) + datetime.timedelta(days=4)
    return following - datetime.timedelta(days=following.day)


# --- The expected outcome, from the domain's words ----------------------------------------------------------


@dataclass(frozen=True)
class Planned:
    """A certification (RMA) of the simulation: its member, paid through, and whether letters can reach it."""

    member_number: str
    paid_through: D
    has_address: bool


def fee_years_due(paid_through: D, last_day: D) -> list[tuple[D, D]]:
    """(start, due date) of every fee year after paid through whose invoice is issued (due date - 60 days)
    by `last_day`."""
    years = []
    start = paid_through + ONE_DAY
    while month_end(start) - datetime.timedelta(days=60) <= last_day:
        years.append((start, month_end(start)))
        start = start.replace(year=start.year + 1)
    return years


def steps_sent(issued_on: D, due_on: D, last_day: D) -> list[tuple[str, tuple[str, ...]]]:
    """The steps an invoice gets when the job runs every day from its issue to `last_day`: each day the
    latest step (in step order) whose date has come, if it was not sent yet."""
    plan = [
        ("at-issue", issued_on, ("email", "letter")),
        ("before-due", due_on - datetime.timedelta(days=30), ("email",)),
        ("due-date", due_on, ("email",)),
        ("lapse", due_on + ONE_DAY, ("email", "letter")),  # grace 0
    ]
    sent: dict[str, tuple[str, ...]] = {}
    for day in days(issued_on, last_day):
        reached = [(code, channels) for code, on, channels in plan if on <= day]
        if reached:
            sent.setdefault(*reached[-1])
    return list(sent.items())


@dataclass
class Expected:
    """What the rules call for, by name: invoice numbers, notice keys ("<invoice number>:<step>") per
    channel, and the member numbers of the certifications that end Lapsed."""

    invoices: set[str] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)
    letters_printed: set[str] = field(default_factory=set)
    letters_unaddressed: set[str] = field(default_factory=set)
    lapsed: set[str] = field(default_factory=set)


def expected_outcome(plans: list[Planned], first_day: D, last_day: D) -> Expected:
    expected = Expected()
    for plan in plans:
        years = fee_years_due(plan.paid_through, last_day)
        if years and years[0][1] < last_day:
            expected.lapsed.add(plan.member_number)
        for start, due_on in years:
            number = f"RMA-{plan.member_number}-{start:%Y%m}"
            expected.invoices.add(number)
            issued_on = max(first_day, due_on - datetime.timedelta(days=60))
            for code, channels in steps_sent(issued_on, due_on, last_day):
                key = f"{number}:{code}"
                if "email" in channels:
                    expected.emails.add(key)
                if "letter" in channels:
                    (expected.letters_printed if plan.has_address else expected.letters_unaddressed).add(key)
    return expected


# --- The simulation -----------------------------------------------------------------------------------------


def make_certifications(count: int) -> list[Planned]:
    """`count` certifications spread over the 12 anniversary months, certified in 2019 or 2022 (their CCP
    cycles end in 2025 and 2028, not in the window), some paid ahead, some due in the window, some one or
    two fee years behind (Lapsed, for less than 3 years); every tenth member has no street address."""
    plans = []
    for number in range(count):
        month = number % 12 + 1
        certified_on = D(2019 if number % 2 else 2022, month, 1 + number % 28)
        current_start = D(FIRST_DAY.year if month <= FIRST_DAY.month else FIRST_DAY.year - 1, month, 1)
        years_paid = [1, 0, -1, -2][number // 12 % 4]  # relative to the fee year containing FIRST_DAY
        paid_through = current_start.replace(year=current_start.year + years_paid + 1) - ONE_DAY
        has_address = number % 10 != 7
        member = MemberFactory(address_line1="1 Main Street" if has_address else "")
        # Made while Active (at the latest the day after its paid-through date): the first daily run
        # derives the status, and the lapse date of a certification behind, as the daily job would have.
        made_on = min(paid_through + ONE_DAY, FIRST_DAY)
        make_certification(member, certified_on=certified_on, today=made_on, paid_through=paid_through)
        plans.append(
            Planned(member_number=member.member_number, paid_through=paid_through, has_address=has_address)
        )
    return plans


def run_day(day: D, attempt: int = 0) -> None:
    """The billing daily jobs of `day`, in order, as `run_daily_jobs --date` runs them. A later attempt on
    the same day starts later: the clock never goes back (a mail batch takes the letters written before
    it started)."""
    start = datetime.datetime.combine(day, datetime.time(12, 10 * attempt), tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=True):
        for name in BILLING_JOBS:
            call_command("run_daily_jobs", "--date", day.isoformat(), "--only", name, stdout=io.StringIO())


def printed_pages() -> int:
    return sum(len(PdfReader(default_storage.open(part.pdf)).pages) for part in MailBatchPart.objects.all())


def assert_outcome(expected: Expected) -> None:
    invoices = Counter(Invoice.objects.values_list("number", "state"))
    assert invoices == Counter({(number, "open"): 1 for number in expected.invoices})
    renewal = Notice.objects.filter(kind="renewal").select_related("member__user")
    notices = Counter(renewal.values_list("key", "channel", "state"))
    assert notices == Counter(
        [(key, "email", "sent") for key in expected.emails]
        + [(key, "letter", "sent") for key in expected.letters_printed]
        + [(key, "letter", "failed") for key in expected.letters_unaddressed]
    )
    # Every e-mail that left is one of those notices, once, to its member and with its subject.
    emails = {notice.message_id: notice for notice in renewal.filter(channel="email")}
    assert sorted(message.extra_headers["Message-ID"] for message in mail.outbox) == sorted(emails)
    for message in mail.outbox:
        notice = emails[message.extra_headers["Message-ID"]]
        assert (message.to, message.subject) == ([notice.member.user.email], notice.subject)
    assert sum(MailBatch.objects.values_list("letter_count", flat=True)) == len(expected.letters_printed)
    assert printed_pages() == len(expected.letters_printed)
    statuses = Counter(Certification.objects.values_list("status", flat=True))
    assert set(statuses) <= {"active", "lapsed"}
    lapsed = Certification.objects.filter(status="lapsed").values_list("member__member_number", flat=True)
    assert set(lapsed) == expected.lapsed


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.MAIL_BATCH_PART_SIZE = 40
    return tmp_path


def test_120_days_of_daily_runs_issue_and_send_exactly_what_the_rules_say(require_postgres, seeded, media):
    """Given 300 certifications and nobody paying, when the billing jobs run every day for 120 days (twice
    each day), then the invoices, the renewal e-mails and letters per channel, the e-mails that left and the
    pages printed are exactly the expected numbers: nothing lost, nothing twice."""
    plans = make_certifications(300)
    mail.outbox.clear()
    expected = expected_outcome(plans, FIRST_DAY, LAST_DAY)
    assert len(expected.invoices) > 250
    assert len(expected.letters_printed) > 250 and len(expected.letters_unaddressed) > 20

    for day in days(FIRST_DAY, LAST_DAY):
        run_day(day)
        run_day(day, attempt=1)

    assert_outcome(expected)
    assert MailBatch.objects.count() == 120
    # An arrears invoice (issued on the first day, after its lapse date) starts with the lapse notice.
    arrears = list(Invoice.objects.filter(due_on__lt=FIRST_DAY).values_list("number", flat=True))
    assert len(arrears) > 50
    keys = set(Notice.objects.filter(kind="renewal").values_list("key", flat=True))
    assert {key for key in keys if key.split(":")[0] in set(arrears)} == {
        f"{number}:lapse" for number in arrears
    }


class Fault(Exception):
    pass


def fail_on_second_call(function):
    calls = {"count": 0}

    def wrapper(*args, **kwargs):
        calls["count"] += 1
        if calls["count"] == 2:
            raise Fault(f"killed in {function.__name__}")
        return function(*args, **kwargs)

    return wrapper


def test_a_run_killed_part_way_and_resumed_ends_like_an_undisturbed_one(
    require_postgres, seeded, media, settings, monkeypatch
):
    """Given 120 certifications, chunks of 3 and print files of 4 letters, when on the busiest days the run
    is killed in the second chunk of the invoice job, then of the notice job, then of the mail batch (each
    time what the first chunk did is committed), and the day is finally run again without a fault, then
    after 100 days the counts are exactly those of an undisturbed run."""
    plans = make_certifications(120)
    mail.outbox.clear()
    last_day = FIRST_DAY + datetime.timedelta(days=99)
    expected = expected_outcome(plans, FIRST_DAY, last_day)
    settings.MAIL_BATCH_PART_SIZE = 4
    issue, send = invoice_services.invoices_issue_due, notice_services.renewal_notices_send
    monkeypatch.setattr(billing.services, "invoices_issue_due", lambda **kw: issue(chunk_size=3, **kw))
    monkeypatch.setattr(billing.services, "renewal_notices_send", lambda **kw: send(chunk_size=3, **kw))
    issue_chunk = (invoice_services, "_issue_chunk")
    send_chunk = (notice_services, "_send_chunk")
    print_part = (mail_batch_service, "_render_part")
    faults = {
        FIRST_DAY: [issue_chunk, send_chunk, print_part],  # every arrears invoice is issued on the first day
        D(2026, 4, 1): [send_chunk, print_part],  # the May fees: issued, at-issue notices
        D(2026, 5, 1): [issue_chunk, send_chunk],  # the June fees; April's lapse notices
    }

    killed = []
    for day in days(FIRST_DAY, last_day):
        attempts = faults.get(day, [])
        for attempt, (module, name) in enumerate(attempts):
            with monkeypatch.context() as patch:
                patch.setattr(module, name, fail_on_second_call(getattr(module, name)))
                with pytest.raises(Fault) as fault:
                    run_day(day, attempt)
                killed.append((day, str(fault.value)))
        run_day(day, len(attempts))

    assert [name for _day, name in killed] == [
        f"killed in {name}" for day in faults for _m, name in faults[day]
    ]
    assert_outcome(expected)

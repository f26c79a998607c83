"""Staff operations in the browser: billing staff fix a mail-batch exception's address from the batch page,
and the next batch prints the letter; an administrator reads last night's jobs."""

import datetime

import pytest
from playwright.sync_api import expect

from amtportal import nightly
from amtportal.models import NightlyRun
from core import clock
from members.models import Notice, ProfileChange
from members.services import notice_letter_enqueue
from members.services.mail_batch import mail_batch_build
from tests.e2e.helpers import PHONE, staff_signs_in
from tests.factories import MemberFactory

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_billing_staff_fix_an_exception_and_the_next_batch_prints_the_letter(page):
    """Given today's batch that could not print Rosa Quint's letter (no street), when billing staff open the
    batch, follow “Fix the address”, enter the street with a reason and save, then they are back on the batch
    page with the news, and tomorrow's batch prints her letter at the new address."""
    today = clock.today()
    rosa = MemberFactory(first_name="Rosa", last_name="Quint", address_line1="", city="Peoria", state="IL",
                         postal_code="61602", country="US")  # fmt: skip
    notice_letter_enqueue(
        member=rosa, kind="message", key="e2e", template="letters/message",
        context={"member": rosa, "subject": "Your renewal", "paragraphs": ["Your fee is due."],
                 "link": "https://portal.example.org/", "link_name": "Your page"},
    )  # fmt: skip
    batch = mail_batch_build(day=today)
    assert batch.exception_count == 1

    staff_signs_in(page, "Billing staff", "Bill", "Ledger")
    page.get_by_role("link", name="Mail batches").first.click()
    page.get_by_role("link", name=today.isoformat()).click()
    row = page.get_by_role("row").filter(has_text="Rosa Quint")
    expect(row).to_contain_text("No usable mailing address")
    row.get_by_role("link", name="Fix the address of Rosa Quint").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Mailing address of Rosa Quint")
    expect(page.get_by_text("1 letter waits for it")).to_be_visible()
    page.get_by_label("Address", exact=True).fill("12 Harbor Street")
    page.get_by_label("Reason for the change").fill("Returned mail; member phoned with her street.")
    page.get_by_role("button", name="Save the address").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Mail batch")
    expect(page.get_by_text("Letters waiting for it go out in the next mail batch.")).to_be_visible()
    change = ProfileChange.objects.get(member=rosa)
    assert (change.new_value, change.reason, change.changed_by.email) == (
        "12 Harbor Street", "Returned mail; member phoned with her street.", "bill@staff.example.org",
    )  # fmt: skip
    tomorrow = mail_batch_build(day=today + datetime.timedelta(days=1))
    assert (tomorrow.letter_count, tomorrow.exception_count) == (1, 0)
    assert Notice.objects.get(member=rosa).recipient.splitlines()[1] == "12 Harbor Street"


@pytest.mark.parametrize("viewport", [PHONE])
def test_an_administrator_reads_last_nights_jobs_on_a_phone(page):
    run = nightly.nightly_run_start(day=clock.today(), trigger=NightlyRun.Trigger.SCHEDULE)
    nightly.job_run_record(run_id=run.pk, position=0, work=lambda: 12)
    with pytest.raises(RuntimeError):
        nightly.job_run_record(
            run_id=run.pk, position=1, work=lambda: (_ for _ in ()).throw(RuntimeError("disk full"))
        )

    staff_signs_in(page, "Administrator", "Ada", "Admin")
    page.get_by_role("link", name="Last night's jobs").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Last night's jobs")
    failed = page.get_by_role("row").filter(has_text="RuntimeError: disk full")
    expect(failed).to_contain_text("Failed")
    expect(page.get_by_role("row").filter(has_text="reconcile card payments")).to_contain_text("12")

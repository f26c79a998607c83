"""Edge cases found in review: late final reminders, the manifest's cells, the webhook secret, a finished
batch, a voided invoice's pay page, long addresses."""

import csv
import datetime
import io

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.urls import reverse
from pypdf import PdfReader

from billing import services, stripe_gateway
from billing.models import CardPaymentIntent, Invoice, StripeEvent
from billing.services.notices import renewal_notices_of
from members.models import CertificationPolicy, MailBatch, Notice
from members.services.mail_batch import TOO_LONG, mail_batch_build
from tests.billing.conftest import (
    FIXED_ISSUE_DAY,
    FIXED_PAY_DAY,
    fixed_invoice,
    payment_intent_event,
    stripe_signature,
)
from tests.factories import MemberFactory, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_a_final_reminder_sent_after_the_due_date_does_not_say_due_today(django_capture_on_commit_callbacks):
    # Given 10 days of grace and a notice job that missed the due date (May 31): on June 5 the final
    # reminder is still the latest step due (the lapse notice comes on June 11)
    CertificationPolicy.objects.update_or_create(pk=1, defaults={"grace_days": 10})
    invoice = fixed_invoice(MemberFactory())
    # When the job runs that day
    with django_capture_on_commit_callbacks(execute=True):
        assert services.renewal_notices_send(today=datetime.date(2026, 6, 5)) == 1
    # Then the member's e-mail says the fee was due, not that it is due today
    [message] = mail.outbox
    assert renewal_notices_of(invoice).get().key == f"{invoice.number}:due-date"
    assert message.subject == "Overdue: your RMA annual fee of $50.00 was due May 31, 2026"
    assert "due today" not in message.body
    assert "certification was due on May 31, 2026 and is still unpaid." in message.body
    # and, still within grace, the day the certification lapses if it stays unpaid
    assert "If it is not paid, your certification lapses on June 11, 2026." in " ".join(message.body.split())


def test_the_manifest_never_starts_a_cell_with_a_formula():
    # Given a member whose typed address starts like a spreadsheet formula
    member = MemberFactory(address_line1='=HYPERLINK("http://evil")', city="Springfield", postal_code="62701")
    fixed_invoice(member)
    services.renewal_notices_send(today=FIXED_ISSUE_DAY)
    # When the day's batch is built
    batch = mail_batch_build(day=FIXED_ISSUE_DAY)
    # Then the manifest carries the text, quoted so that a spreadsheet shows it as text
    rows = list(csv.DictReader(io.StringIO(default_storage.open(batch.manifest).read().decode())))
    assert rows[0]["address_line1"] == '\'=HYPERLINK("http://evil")'


def test_a_long_address_does_not_stop_the_notices_and_is_an_exception_not_a_clipped_letter():
    # Given a member whose two address lines are as long as the form allows
    member = MemberFactory(
        address_line1="A" * 200, address_line2="B" * 200, city="Springfield", postal_code="62701"
    )
    fixed_invoice(member)
    # When the notices run, the letter is written with the whole address (nothing stops the chunk)
    assert services.renewal_notices_send(today=FIXED_ISSUE_DAY) == 2
    letter = Notice.objects.get(channel="letter")
    assert letter.recipient.splitlines() == [member.full_name, "A" * 200, "B" * 200, "Springfield, IL 62701"]
    # Then the batch lists it for staff instead of printing an address the envelope window would cut
    batch = mail_batch_build(day=FIXED_ISSUE_DAY)
    assert (batch.letter_count, batch.exception_count) == (0, 1)
    assert batch.exceptions[0]["reason"] == TOO_LONG
    assert batch.exceptions[0]["member_number"] == member.member_number
    # And once the address fits, the next day's batch prints it with every line in the page
    member.address_line1, member.address_line2 = "1200 North Lake Shore Drive", "Apartment 4B"
    member.save()
    next_day = mail_batch_build(day=FIXED_ISSUE_DAY + datetime.timedelta(days=1))
    assert next_day.letter_count == 1
    text = PdfReader(default_storage.open(next_day.parts.get().pdf)).pages[0].extract_text()
    for line in member.address_lines:
        assert line in text, line


def test_a_webhook_is_refused_when_no_signing_secret_is_configured(client, settings):
    # Given no signing secret configured, and an event "signed" with that empty secret (anybody can)
    settings.STRIPE_WEBHOOK_SECRET = ""
    payload = payment_intent_event("evt_forged", "payment_intent.succeeded", "pi_forged", status="succeeded")
    response = client.post(
        reverse("billing:stripe_webhook"),
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=stripe_signature(payload, ""),
    )
    # Then it is refused for the missing secret, not stored
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_signature",
        "detail": "No webhook signing secret is configured (STRIPE_WEBHOOK_SECRET).",
    }
    assert StripeEvent.objects.count() == 0


def test_a_finished_batch_rerun_takes_no_new_letters():
    # Given a finished batch with an exception (no street address)
    member = MemberFactory(address_line1="", city="Springfield", postal_code="62701")
    fixed_invoice(member)
    services.renewal_notices_send(today=FIXED_ISSUE_DAY)
    first = mail_batch_build(day=FIXED_ISSUE_DAY)
    assert (first.letter_count, first.exception_count) == (0, 1)
    # When the address is fixed and the same day is rebuilt
    member.address_line1 = "1 Main St"
    member.save()
    again = mail_batch_build(day=FIXED_ISSUE_DAY)
    # Then that (possibly printed) batch is unchanged, and the letter goes out in the next day's batch
    assert (again.letter_count, again.exception_count) == (0, 1)
    next_day = mail_batch_build(day=FIXED_ISSUE_DAY + datetime.timedelta(days=1))
    assert next_day.letter_count == 1
    assert MailBatch.objects.count() == 2
    assert Notice.objects.get(channel="letter").mail_batch == next_day


def test_voiding_an_invoice_cancels_its_payment_intent(localstripe, django_capture_on_commit_callbacks):
    # Given a member who opened the pay page (a live PaymentIntent)
    invoice = fixed_invoice(MemberFactory())
    intent = services.payment_intent_for(invoice=invoice)
    # When staff void the invoice
    with django_capture_on_commit_callbacks(execute=True):
        services.invoice_void(
            invoice=invoice,
            reason="issued in error",
            today=FIXED_PAY_DAY,
            actor=make_staff("Billing staff"),
            source="t",
        )
    # Then the intent is cancelled at Stripe and here: the page left open can take no money
    assert stripe_gateway.client().v1.payment_intents.retrieve(intent.stripe_id).status == "canceled"
    assert CardPaymentIntent.objects.get(pk=intent.pk).status == "canceled"
    assert Invoice.objects.get(pk=invoice.pk).state == Invoice.State.VOID

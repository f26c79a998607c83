"""Recertification in the browser (test mode, localstripe): a Non-compliant member applies by CCP points from
the dashboard, records activities with proof, answers the felony question, signs and pays the fee by card;
the application is submitted, and the processor (with two-factor) claims and approves it: the member is
Active again, reinstated today. An RMA lapsed past the 10-year gate reads the public eligibility assistant,
then applies by exam; the processor authorizes the test and records a pass. At a phone width the member reads
the application page without scrolling sideways.

The member and the processor each have their own browser context (signed in once: a second TOTP sign-in in
the same 30 seconds would reuse a code, which allauth refuses)."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from playwright.sync_api import expect

from ccp import services as ccp_services
from ccp.models import ActivityCategory
from core import clock
from members import rules
from members import services as member_services
from recert import services as recert_services
from recert.models import Application
from tests.billing import conftest as billing_conftest
from tests.e2e.helpers import DESKTOP, PHONE, checked_page, log_in, long_date, staff_signs_in
from tests.factories import MemberFactory, make_certification
from tests.files import image_bytes, pdf_bytes
from tests.recert.conftest import noncompliant_certification

localstripe = billing_conftest.localstripe  # the fixture, shared with the billing tests

pytestmark = pytest.mark.e2e

PROFESSIONAL_EDUCATION = "Professional education (courses, seminars, webinars): 1 point per contact hour"
HELPS_JOB = "It helps me do my health-care job better"
RMA_REGION = "Registered Medical Assistant (RMA)"


# --- Given ---------------------------------------------------------------------------------------------


def _noncompliant(first_name: str, last_name: str):
    """An RMA certified three years and 200 days ago, fees paid: its first cycle ended 200 days ago without
    points, so the nightly roll made it Non-compliant (CCP) (lapsed well under 10 years: by CCP or exam)."""
    today = clock.today()
    certified_on = rules.add_years(today, -rules.CYCLE_YEARS) - datetime.timedelta(days=200)
    member = MemberFactory(user__first_name=first_name, last_name=last_name)
    certification = noncompliant_certification(
        member,
        certified_on=certified_on,
        paid_through=rules.fee_year_containing(certified_on, today).end,
        failed_on=rules.cycle(certified_on, 0).end + rules.ONE_DAY,
    )
    return member, certification


def _past_the_gate(first_name: str, last_name: str):
    """An RMA certified 16 years ago whose fees were paid for about 5 years: not Active for about 11 years,
    so Exam required (its open cycle ended by the nightly job)."""
    today = clock.today()
    certified_on = rules.add_years(today, -16)
    member = MemberFactory(user__first_name=first_name, last_name=last_name)
    certification = make_certification(
        member,
        code="RMA",
        certified_on=certified_on,
        today=certified_on,
        paid_through=rules.fee_year_containing(certified_on, rules.add_years(certified_on, 4)).end,
    )
    certification = member_services.certification_refresh_status(
        certification=certification, today=today, source="test"
    )
    ccp_services.cycles_close_inactive(today=today)
    assert certification.status == "exam_required", certification.status_reason
    return member, certification


@pytest.fixture
def stripe_with_webhook(site, localstripe):
    """localstripe sending its events to the live server; afterwards, every delivery was accepted."""
    localstripe.register_webhook(site)
    yield localstripe
    localstripe.wait_for_webhooks()
    refused = [delivery for delivery in localstripe.deliveries() if "failed" in delivery]
    assert not refused, localstripe.log()


# --- The processor: a second signed-in person, with the same checks as the `page` fixture ---------------


@pytest.fixture
def processor_page(request, browser, site):
    with checked_page(request, browser, site, DESKTOP, screenshot_suffix="-processor") as page:
        yield page


def _open_and_claim(page, member, heading: str) -> None:
    """From the staff home: the queue (it opens on the submitted applications), the member's application,
    claimed."""
    page.get_by_role("main").get_by_role("link", name="Recertification queue").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Recertification queue")
    tab = page.get_by_role("navigation", name="Application states").get_by_role(
        "link", name=re.compile("Submitted")
    )
    expect(tab).to_have_attribute("aria-current", "page")
    row = page.get_by_role("row").filter(has_text=member.member_number)
    expect(row).to_contain_text("Waiting on review")
    row.get_by_role("link", name=f"{member.last_name}, {member.first_name}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
    page.get_by_role("button", name="Claim this application").click()
    expect(page.get_by_role("status")).to_contain_text("You hold this application")


# --- The member ----------------------------------------------------------------------------------------


def _pay_by_card(page, amount: str) -> None:
    """From a complete draft: pay the fee with the test card that succeeds; back on the application."""
    page.get_by_role("button", name="Pay the fee and submit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Pay {amount}")
    expect(page.get_by_role("note")).to_contain_text("Test mode.")
    page.get_by_role("radio", name=re.compile(r"^Visa, succeeds")).check()
    page.get_by_role("button", name=f"Pay {amount}").click()


def _expect_submitted(page, application: Application, amount: str) -> None:
    today = clock.today()
    expect(page).to_have_url(re.compile(rf"{reverse('recert:application', args=[application.pk])}$"))
    expect(page.get_by_role("status").filter(has_text="Thank you")).to_contain_text(
        f"Thank you: {amount} received for invoice {application.invoice_number}."
    )
    expect(page.get_by_role("heading", level=1)).to_contain_text("Waiting on review")
    expect(page.get_by_role("status").filter(has_text="Submitted on")).to_contain_text(
        f"Submitted on {long_date(today)}: waiting on review."
    )
    expect(page.get_by_role("button", name=re.compile("^Pay"))).to_have_count(0)
    timeline = page.get_by_role("region", name="Timeline")
    expect(timeline).to_contain_text(f"Fee {amount} paid; submitted.")


def _record_activity(
    page, title: str, hours: str, completed_on: datetime.date, document: bytes | None = None
):
    page.get_by_role("link", name="Record an activity for this application").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record an activity for your application")
    page.get_by_role("combobox", name=re.compile(r"^Category\*?$")).select_option(
        label=PROFESSIONAL_EDUCATION
    )
    page.get_by_role("textbox", name=re.compile(r"^Title\*?$")).fill(title)
    page.get_by_label("Provider", exact=True).fill("County Hospital")
    page.get_by_label("Completed on").fill(completed_on.isoformat())
    page.get_by_label("Quantity", exact=True).fill(hours)
    page.get_by_label(HELPS_JOB).check()
    if document:
        page.get_by_label("Supporting document (optional)").set_input_files(
            {"name": "certificate.pdf", "mimeType": "application/pdf", "buffer": document}
        )
    page.get_by_role("button", name="Record activity").click()
    expect(page.get_by_role("status")).to_contain_text(f"Activity recorded: {title}.")


def _dashboard_card(page):
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard", exact=True).click()
    return page.get_by_role("region", name=RMA_REGION)


# --- The journeys ----------------------------------------------------------------------------------------


def test_a_non_compliant_member_recertifies_by_ccp_and_the_processor_approves(
    page, processor_page, stripe_with_webhook
):
    member, certification = _noncompliant("Marisol", "Quintero-Black")
    today = clock.today()

    # The dashboard says what happened and offers the way back.
    log_in(page, member.user.email)
    card = page.get_by_role("region", name=RMA_REGION)
    expect(card.get_by_text("Non-compliant (CCP)", exact=True).first).to_be_visible()
    card.get_by_role("link", name="Apply to recertify, by CCP points or by exam").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Recertify your RMA certification")
    expect(page.get_by_role("main")).to_contain_text("less than 10 years, so by CCP points or by exam")
    page.get_by_role("button", name="Apply by CCP points").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Recertify RMA by CCP points Draft")
    missing = page.get_by_role("region", name="Still missing")
    expect(missing).to_contain_text("30 more CCP points earned between")
    expect(missing).to_contain_text("your signed attestation")
    expect(page.get_by_role("button", name="Pay the fee and submit")).to_have_count(0)

    # Two activities of the window: one with its certificate attached in the form, one attached afterwards.
    _record_activity(
        page, "Infection control update", "18", today - datetime.timedelta(days=300), pdf_bytes()
    )
    _record_activity(page, "Phlebotomy safety webinar", "12", today - datetime.timedelta(days=40))
    expect(missing).to_contain_text("a document for “Phlebotomy safety webinar”")
    webinar = page.get_by_role("article").filter(
        has=page.get_by_role("heading", name=re.compile("^Phlebotomy safety webinar"))
    )
    expect(webinar).to_contain_text("A document is needed.")
    webinar.get_by_label("Attach a document to “Phlebotomy safety webinar”").set_input_files(
        {"name": "webinar.png", "mimeType": "image/png", "buffer": image_bytes("PNG", size=(60, 40))}
    )
    webinar.get_by_role("button", name="Attach", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Recertify RMA by CCP points Draft")
    points = page.get_by_role("region", name=re.compile("CCP points,"))
    expect(points).to_contain_text("30.00 of 30.00 points count: enough.")

    # The felony question and the signature.
    felony = page.get_by_role("region", name="Felony and disciplinary question")
    felony.get_by_role("radio", name="No").check()
    felony.get_by_role("button", name="Save my answer").click()
    expect(page.get_by_role("status")).to_contain_text("Your answer to the felony and disciplinary question")
    attestation = page.get_by_role("region", name="Attestation")
    attestation.get_by_label(re.compile("Type your full legal name to sign")).fill(member.full_name)
    attestation.get_by_role("button", name="Sign").click()
    expect(page.get_by_role("status")).to_contain_text("Your attestation is signed.")
    expect(page.get_by_role("region", name="Still missing")).to_have_count(0)

    # Paid by card: submitted, back on the application.
    _pay_by_card(page, "$75.00")
    application = Application.objects.get(certification=certification)
    _expect_submitted(page, application, "$75.00")
    assert application.state == "submitted" and application.counted_points == Decimal("30.00")

    # The processor: two-factor, the queue, the proof beside each activity, claimed and approved.
    processor = processor_page
    staff_signs_in(processor, "Recertification processor", "Rachel", "Recerti")
    _open_and_claim(processor, member, f"{member.first_name} {member.last_name}: RMA by CCP points")
    expect(processor.locator("iframe[title^='certificate.pdf']")).to_be_visible()
    expect(
        processor.get_by_role("img", name=re.compile("Proof of Phlebotomy safety webinar"))
    ).to_be_visible()
    expect(processor.get_by_role("main")).to_contain_text("30.00 of 30.00 points")
    processor.get_by_role("button", name="Approve: reinstate from today").click()
    expect(processor.get_by_role("status")).to_contain_text("Approved. The member was told.")
    expect(processor.get_by_role("heading", level=1)).to_contain_text("Approved: reinstated")

    # The member: Active again, reinstated today (the new anchor date), and the page says so.
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Approved: reinstated")
    expect(page.get_by_role("status").filter(has_text="reinstated")).to_contain_text(
        f"Your certification is reinstated from {long_date(today)}"
    )
    card = _dashboard_card(page)
    expect(card.get_by_text("Active", exact=True).first).to_be_visible()
    expect(card).to_contain_text(f"(reinstated {long_date(today)})")
    expect(card.get_by_role("link", name=re.compile("recertif", re.I))).to_have_count(0)
    certification.refresh_from_db()
    assert (certification.status, certification.reinstated_on) == ("active", today)


def test_an_rma_past_the_ten_year_gate_checks_the_assistant_then_recertifies_by_exam(
    page, processor_page, stripe_with_webhook
):
    member, certification = _past_the_gate("Delphine", "Okoro-Haas")
    today = clock.today()

    # Anyone may ask the assistant: route by route, with the reason and the documents.
    page.goto(reverse("recert:rma_assistant"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Can I take the RMA exam?")
    page.get_by_label("Months employed as a medical assistant in the last 5 years").fill("48")
    page.get_by_label(re.compile(r"Months employed as a medical assistant \(clinical")).fill("70")
    page.get_by_role("button", name="Check my eligibility").click()
    verdicts = page.get_by_role("region", name="Your answer, route by route")
    for heading in (
        "Education: not eligible",
        "Military: not eligible",
        "Work experience: eligible",
        "Other exam: not eligible",
    ):
        expect(verdicts.get_by_role("heading", name=heading)).to_be_visible()
    experience = verdicts.get_by_role("article", name="Work experience: eligible")
    expect(experience).to_contain_text("Eligible by the Work experience route.")
    expect(experience).to_contain_text("70 months of employment in the last 7 years count")
    expect(experience).to_contain_text("letters from your employers")
    expect(verdicts.get_by_role("article", name="Education: not eligible")).to_contain_text(
        "you did not attend a medical-assisting program"
    )

    # Signed in: by exam only.
    log_in(page, member.user.email)
    card = page.get_by_role("region", name=RMA_REGION)
    expect(card.get_by_text("Exam required", exact=True).first).to_be_visible()
    card.get_by_role("link", name="Apply to recertify by exam").click()
    expect(page.get_by_role("main")).to_contain_text("10 years or more, so recertification by exam only.")
    expect(page.get_by_role("button", name="Apply by CCP points")).to_have_count(0)
    page.get_by_role("button", name="Apply by exam").click()

    # The assistant is a step of the application; the route found is kept.
    expect(page.get_by_role("heading", level=1)).to_have_text("Recertify RMA by exam Draft")
    eligibility = page.get_by_role("region", name="Exam eligibility")
    eligibility.get_by_label("Months employed as a medical assistant in the last 5 years").fill("48")
    eligibility.get_by_label(re.compile(r"Months employed as a medical assistant \(clinical")).fill("70")
    eligibility.get_by_role("button", name="Check and save my answers").click()
    expect(page.get_by_role("status")).to_contain_text("Your eligibility answers are saved.")
    expect(page.get_by_role("region", name="Exam eligibility")).to_contain_text(
        "Eligible by the Work experience route."
    )
    _pay_by_card(page, "$125.00")
    application = Application.objects.get(certification=certification)
    _expect_submitted(page, application, "$125.00")

    # The processor authorizes the test: the member's page shows the authorization number.
    processor = processor_page
    staff_signs_in(processor, "Recertification processor", "Rachel", "Recerti")
    _open_and_claim(processor, member, f"{member.first_name} {member.last_name}: RMA by exam")
    expect(processor.get_by_role("region", name="Exam eligibility")).to_contain_text(
        "Eligible by the Work experience route."
    )
    processor.get_by_role("button", name="Approve: authorize to test").click()
    expect(processor.get_by_role("heading", level=1)).to_contain_text("Authorized to test")
    application.refresh_from_db()
    number = application.authorization_number
    assert re.fullmatch(rf"RMA-{today:%Y}-\d{{8}}", number), number
    expect(processor.get_by_role("status").filter(has_text="Authorization number")).to_contain_text(number)

    page.reload()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Authorized to test")
    expect(page.get_by_role("status").filter(has_text="authorized to take the exam")).to_contain_text(
        f"Authorization number {number}, valid until {long_date(application.authorization_expires_on)}."
    )

    # The pass, recorded today, reinstates from the exam date.
    result = processor.get_by_role("region", name="Decide")
    result.get_by_role("radio", name="Passed").check()
    expect(result.get_by_label("Exam date")).to_have_value(today.isoformat())
    result.get_by_role("button", name="Record the exam result").click()
    expect(processor.get_by_role("status")).to_contain_text("The exam result is recorded")
    expect(processor.get_by_role("heading", level=1)).to_contain_text("Approved: reinstated")

    card = _dashboard_card(page)
    expect(card.get_by_text("Active", exact=True).first).to_be_visible()
    expect(card).to_contain_text(f"(reinstated {long_date(today)})")
    certification.refresh_from_db()
    assert (certification.status, certification.reinstated_on) == ("active", today)


@pytest.mark.parametrize("viewport", [PHONE], indirect=True)
def test_at_a_phone_width_the_application_page_fits(page):
    member, certification = _noncompliant("Oluwaseun", "Vanderhoeven-Lindqvist")
    today = clock.today()
    application = recert_services.application_start(
        certification=certification, route="ccp", today=today, user=member.user
    )
    activity = recert_services.application_record_activity(
        application=application, user=member.user, today=today,
        category=ActivityCategory.objects.get(code="professional-education"),
        title="Medication administration and documentation update for ambulatory care",
        provider="Regional Medical Center Continuing Education Department",
        completed_on=today - datetime.timedelta(days=90), quantity=Decimal("12"), helps_job=True,
    )  # fmt: skip
    ccp_services.activity_attach_document(
        activity=activity,
        upload=SimpleUploadedFile("certificate.pdf", pdf_bytes(), content_type="application/pdf"),
        uploaded_by=member.user,
    )

    log_in(page, member.user.email)
    page.get_by_role("region", name=RMA_REGION).get_by_role(
        "link", name="Continue your recertification application"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Recertify RMA by CCP points Draft")
    expect(page.get_by_role("region", name="Still missing")).to_contain_text("18 more CCP points")
    expect(page.get_by_role("region", name="Felony and disciplinary question")).to_be_visible()
    sizes = page.evaluate("() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")
    assert sizes["inner"] == PHONE["width"]
    assert sizes["scroll"] <= PHONE["width"], f"horizontal scroll on a phone: {sizes}"

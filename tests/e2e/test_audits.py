"""The yearly CCP audit in the browser: a selected member uploads proof and submits; the audit reviewer (with
two-factor) claims it, accepts, asks for more and sends it back; the member answers; the reviewer passes it.
A refusal that leaves too few points fails the audit and the member's certification is Non-compliant (CCP).
At a phone width the member reads the audit page without scrolling sideways and asks for an extension.

The member and the reviewer each have their own browser context (signed in once: a second TOTP sign-in in
the same 30 seconds would reuse a code, which allauth refuses)."""

import datetime
import re
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from audits import services as audit_services
from audits.models import Audit, AuditPolicy
from ccp import services as ccp_services
from core import clock
from members import rules
from members import services as member_services
from tests.e2e.helpers import DESKTOP, PHONE, checked_page, log_in, long_date, staff_signs_in
from tests.factories import MemberFactory, course_fields, make_certification
from tests.files import image_bytes, pdf_bytes

pytestmark = pytest.mark.e2e

MORE = "The certificate does not show the contact hours: upload one that does."
REFUSED = "A spa course meets none of the qualifying criteria."


# --- Given: a certification whose first cycle rolled last year, selected by this year's campaign ---------


def _selected(first_name: str, last_name: str, courses: list[tuple[str, str]]) -> tuple[object, Audit]:
    """An RMA (30 points) certified in March four years ago: its first cycle, with `courses` (title, contact
    hours), closed compliant and rolled last March; fees paid. Then today's campaign for last year selects it
    (rate 100%: the only certification in the population) and its member is told."""
    today = clock.today()
    year = today.year - 1
    certified_on = datetime.date(year - rules.CYCLE_YEARS, 3, 10)
    roll_day = rules.cycle(certified_on, 0).end + datetime.timedelta(days=1)
    member = MemberFactory(user__first_name=first_name, last_name=last_name)
    certification = make_certification(member, code="RMA", certified_on=certified_on, today=certified_on)
    for index, (title, hours) in enumerate(courses):
        on = certified_on + datetime.timedelta(days=400 + 60 * index)
        ccp_services.activity_record(
            certification=certification, today=on, recorded_by=member.user, provider="County Hospital",
            **course_fields(title=title, on=on, hours=hours),
        )  # fmt: skip
    member_services.certification_record_paid_through(
        certification=certification,
        paid_through=rules.fee_year_containing(certified_on, today).end,
        today=roll_day,
        source="test",
    )
    ccp_services.cycles_roll(today=roll_day)
    AuditPolicy.objects.filter(pk=1).update(sample_rate=Decimal("1"), sample_size=None)
    audit_services.campaign_start(year=year, today=today, actor=None, source="test")
    audit_services.audits_prepare(today=today)
    audit = Audit.objects.get(certification=certification)
    assert audit.state == Audit.State.SELECTED and audit.items.count() == len(courses)
    return member, audit


def _link_in_selection_email(member) -> str:
    """The path of the audit page, from the e-mail that told the member of the selection."""
    message = next(m for m in mail.outbox if member.user.email in m.to and "selected for audit" in m.subject)
    link = re.search(r"https?://\S+/audits/\d+/", message.body).group(0)
    return urlsplit(link).path


# --- A second signed-in person: the same checks as the `page` fixture ------------------------------------


@pytest.fixture
def reviewer_page(request, browser, site):
    with checked_page(request, browser, site, DESKTOP, screenshot_suffix="-reviewer") as page:
        yield page


def _open_from_queue(page, member) -> None:
    page.get_by_role("main").get_by_role("link", name="Audit queue").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit queue")
    tab = page.get_by_role("navigation", name="Audit states").get_by_role(
        "link", name=re.compile("Waiting on review")
    )
    expect(tab).to_have_attribute("aria-current", "page")  # the queue opens on the audits to review
    row = page.get_by_role("row").filter(has_text=member.member_number)
    expect(row).to_contain_text("Waiting on review")
    row.get_by_role("link", name=f"{member.last_name}, {member.first_name}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        f"Audit of {member.first_name} {member.last_name}"
    )


def _claim(page) -> None:
    page.get_by_role("button", name="Claim this audit").click()
    expect(page.get_by_text("You hold this audit")).to_be_visible()
    expect(page.get_by_role("button", name="Release to the queue")).to_be_visible()


def _decide(page, title: str, decision: str, message: str = "") -> None:
    form = page.get_by_role("form", name=f"Decide on {title}")
    form.get_by_label(decision, exact=True).check()
    if message:
        form.get_by_label(re.compile("Reason or request")).fill(message)
    form.get_by_role("button", name="Record decision").click()
    expect(page.get_by_role("status").filter(has_text=f"“{title}”: ")).to_be_visible()


def _upload(page, title: str, *, name: str = "certificate.pdf", content: bytes | None = None) -> None:
    kind = "image/png" if name.endswith(".png") else "application/pdf"
    page.get_by_label(f"Upload proof for “{title}”").set_input_files(
        {"name": name, "mimeType": kind, "buffer": content or pdf_bytes()}
    )
    _item(page, title).get_by_role("button", name="Upload", exact=True).click()
    expect(page.get_by_text(f"Proof uploaded for “{title}”.")).to_be_visible()


def _item(page, title: str):
    return page.get_by_role("article").filter(has=page.get_by_role("heading", name=title, exact=True))


# --- The journeys -------------------------------------------------------------------------------------


def test_member_sends_proof_answers_a_request_for_more_and_the_reviewer_passes_the_audit(page, reviewer_page):
    courses = [
        ("Infection control update", "10"),
        ("HIPAA privacy refresher", "10"),
        ("Phlebotomy safety", "10"),
    ]
    member, audit = _selected("Jordan", "Abernathy-Reyes", courses)
    today = clock.today()
    audit_path = reverse("audits:audit", args=[audit.pk])
    assert _link_in_selection_email(member) == audit_path

    # The member: told on the dashboard, opens the audit and sends proof for each activity.
    log_in(page, member.user.email)
    panel = page.get_by_role("region", name=re.compile(r"^Audit: RMA CCP cycle"))
    expect(panel).to_contain_text(long_date(audit.deadline))
    panel.get_by_role("link", name="Open the audit of RMA").click()
    expect(page).to_have_url(re.compile(rf"{re.escape(audit_path)}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your CCP audit Waiting on you")
    expect(page.get_by_role("main")).to_contain_text(f"Submit by {long_date(audit.deadline)}: 61 days left")
    expect(page.get_by_role("heading", name="Submit your audit")).to_be_visible()
    expect(page.get_by_role("button", name="Submit my audit")).to_have_count(0)  # proof is missing
    _upload(page, courses[0][0])
    _upload(page, courses[1][0], name="scan.png", content=image_bytes("PNG", size=(60, 40)))
    _upload(page, courses[2][0])
    expect(_item(page, courses[2][0])).to_contain_text("Proof uploaded")
    page.get_by_role("button", name="Submit my audit").click()
    expect(page.get_by_text("Your audit was submitted.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your CCP audit Waiting on review")
    expect(page.get_by_label(f"Upload proof for “{courses[0][0]}”")).to_have_count(0)

    # The reviewer: signs in with two-factor, claims it, accepts one, asks for more on another, sends it back.
    reviewer = reviewer_page
    staff_signs_in(reviewer, "Audit reviewer", "Arthur", "Auditore")
    _open_from_queue(reviewer, member)
    expect(reviewer.locator("iframe[title^='certificate.pdf']").first).to_be_visible()  # the PDF beside it
    expect(reviewer.get_by_role("img", name=re.compile("Proof of HIPAA privacy refresher"))).to_be_visible()
    expect(reviewer.get_by_role("form", name=re.compile("Decide on"))).to_have_count(0)  # not claimed yet
    _claim(reviewer)
    _decide(reviewer, courses[0][0], "Accept")
    _decide(reviewer, courses[1][0], "Ask for more", MORE)
    _decide(reviewer, courses[2][0], "Accept")
    expect(reviewer.get_by_role("main")).to_contain_text("20.00 of 30.00 points required: 10.00 short")
    reviewer.get_by_role("button", name="Send back to the member").click()
    expect(reviewer.get_by_text("The audit went back to the member")).to_be_visible()
    expect(reviewer.get_by_role("heading", level=1)).to_contain_text("More requested")
    new_deadline = today + datetime.timedelta(days=14)

    # The member reads the request, uploads what is asked and submits again.
    page.goto(audit_path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your CCP audit More requested")
    expect(page.get_by_role("main")).to_contain_text(
        f"The reviewer asks for more. Submit by {long_date(new_deadline)}"
    )
    asked = _item(page, courses[1][0])
    expect(asked).to_contain_text(f"The reviewer asks: {MORE}")
    expect(_item(page, courses[0][0])).to_contain_text("Accepted")
    expect(page.get_by_label(f"Upload proof for “{courses[0][0]}”")).to_have_count(0)  # decided
    _upload(page, courses[1][0], name="certificate-with-hours.pdf")
    page.get_by_role("button", name="Submit my audit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your CCP audit Waiting on review")
    timeline = page.get_by_role("region", name="Timeline")
    expect(timeline).to_contain_text("Answered the reviewer and submitted again.")
    expect(timeline).to_contain_text(f"“{courses[1][0]}”: more asked: {MORE}")

    # The reviewer accepts the answer and finalizes: passed.
    reviewer.reload()
    _decide(reviewer, courses[1][0], "Accept")
    expect(reviewer.get_by_role("main")).to_contain_text("30.00 of 30.00 points required: enough to pass")
    reviewer.get_by_role("button", name="Finalize: pass the audit").click()
    expect(reviewer.get_by_text("The audit is finalized and the member was told.")).to_be_visible()
    expect(reviewer.get_by_role("heading", level=1)).to_contain_text("Passed")

    # The member's audit page and dashboard say it passed; an e-mail says so too.
    page.goto(audit_path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your CCP audit Passed")
    expect(page.get_by_role("status").filter(has_text="Your audit passed")).to_contain_text(
        f"Your audit passed on {long_date(today)}. The accepted activities count 30 of the 30 points "
        "required."
    )
    expect(page.get_by_role("button", name="Submit my audit")).to_have_count(0)
    assert any("CCP audit has passed" in message.subject for message in mail.outbox)
    page.goto("/")
    panel = page.get_by_role("region", name=re.compile(r"^Audit: RMA CCP cycle"))
    expect(panel).to_contain_text("Your audit passed.")
    card = page.get_by_role("region", name="Registered Medical Assistant (RMA)")
    expect(card.get_by_text("Active", exact=True).first).to_be_visible()


def test_a_refusal_that_leaves_too_few_points_fails_the_audit_and_the_member_is_non_compliant(
    page, reviewer_page
):
    courses = [
        ("Phlebotomy refresher", "12"),
        ("Aromatherapy for relaxation", "10"),
        ("CPR and first aid", "8"),
    ]
    member, audit = _selected("Brenda", "Walsh-Okonkwo", courses)
    today = clock.today()
    audit_path = _link_in_selection_email(member)

    log_in(page, member.user.email)
    page.goto(audit_path)
    for title, _hours in courses:
        _upload(page, title)
    page.get_by_role("button", name="Submit my audit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your CCP audit Waiting on review")

    reviewer = reviewer_page
    staff_signs_in(reviewer, "Audit reviewer", "Arthur", "Auditore")
    _open_from_queue(reviewer, member)
    _claim(reviewer)
    _decide(reviewer, courses[0][0], "Accept")
    # A refusal needs a reason the member reads.
    form = reviewer.get_by_role("form", name=f"Decide on {courses[1][0]}")
    form.get_by_label("Refuse", exact=True).check()
    form.get_by_role("button", name="Record decision").click()
    expect(reviewer.get_by_text("Give the member a reason.")).to_be_visible()
    _decide(reviewer, courses[1][0], "Refuse", REFUSED)
    _decide(reviewer, courses[2][0], "Accept")
    finish = reviewer.get_by_role("region", name="Finish this round")
    expect(finish).to_contain_text(
        "finalizing will fail the audit, and the certification becomes Non-compliant"
    )
    finish.get_by_role("button", name="Finalize: fail the audit").click()
    expect(reviewer.get_by_role("heading", level=1)).to_contain_text("Failed")
    expect(
        reviewer.get_by_text("The accepted activities count 20 of the 30 points required: 10 short.").first
    ).to_be_visible()

    # The member: the audit failed with the reason, and the certification is Non-compliant (CCP).
    page.goto(audit_path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your CCP audit Failed")
    expect(page.get_by_role("main")).to_contain_text(f"Your audit failed on {long_date(today)}.")
    expect(_item(page, courses[1][0])).to_contain_text(f"Reason: {REFUSED}")
    page.goto("/")
    card = page.get_by_role("region", name="Registered Medical Assistant (RMA)")
    expect(card.get_by_text("Non-compliant (CCP)", exact=True).first).to_be_visible()
    expect(page.get_by_role("region", name=re.compile(r"^Audit: RMA CCP cycle"))).to_contain_text(
        "Your audit failed"
    )
    assert any("CCP audit has failed" in message.subject for message in mail.outbox)


@pytest.mark.parametrize("viewport", [PHONE], indirect=True)
def test_at_a_phone_width_the_member_reads_the_audit_and_asks_for_an_extension(page):
    courses = [("Medical terminology refresher", "15"), ("Patient privacy update", "15")]
    member, audit = _selected("Fatima", "Haddad-Lindqvist", courses)

    log_in(page, member.user.email)
    page.goto(reverse("audits:audit", args=[audit.pk]))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your CCP audit Waiting on you")
    _upload(page, courses[0][0])
    sizes = page.evaluate("() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")
    assert sizes["inner"] == PHONE["width"]
    assert sizes["scroll"] <= PHONE["width"], f"horizontal scroll on a phone: {sizes}"

    extension = page.get_by_role("region", name="Need more time?")
    extension.get_by_label("Days more you need").fill("20")
    extension.get_by_label("Why you need more time").fill("My college mails transcripts only, on request.")
    extension.get_by_role("button", name="Ask for an extension").click()
    expect(page.get_by_text("Your extension request was sent.")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(
        f"Extension asked (20 days asked; your deadline stays {long_date(audit.deadline)}"
    )
    expect(page.get_by_role("region", name="Need more time?")).to_have_count(0)  # asked once
    sizes = page.evaluate("() => document.documentElement.scrollWidth")
    assert sizes <= PHONE["width"]

"""CCP points in the browser: a member records a course, watches the progress bar move and downloads the
transcript; a member attests instead; a period category shows its own fields, and employment (nothing after
2020 counts) is not offered in a cycle that started after 2020; a refused form's error summary leads to each
field."""

import datetime
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from core import clock
from tests.e2e.helpers import PHONE, definition, log_in, long_date, pdf_text
from tests.factories import MemberFactory, make_certification

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("ccp_seeded")]

PROFESSIONAL_EDUCATION = "Professional education (courses, seminars, webinars): 1 point per contact hour"
EMPLOYMENT = "Employment verification (employment in the field)"
ORGANIZATIONAL = "Organizational participation: 2 points per year in a role, up to 10 per cycle"
HELPS_JOB = "It helps me do my health-care job better"


def _member_in_an_open_cycle(first_name: str, last_name: str):
    """A member with an Active RMA certified a little over a year ago, fees paid: its first cycle is open."""
    today = clock.today()
    member = MemberFactory(user__first_name=first_name, last_name=last_name)
    certification = make_certification(
        member,
        code="RMA",
        certified_on=today - datetime.timedelta(days=400),
        paid_through=today + datetime.timedelta(days=200),
    )
    assert certification.status == "active", "test data no longer gives an Active certification"
    return member, certification


def _open_ccp_page(page, member):
    """Signs in, opens "CCP points" from the menu, then the RMA certification's CCP page."""
    log_in(page, member.user.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="CCP points", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("CCP points")
    page.get_by_role("link", name="Activities and details of RMA").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "CCP points: Registered Medical Assistant (RMA)"
    )


def _category(page):
    # crispy-forms puts the required-field asterisk inside the label: the accessible name is "Category*".
    return page.get_by_role("combobox", name=re.compile(r"^Category\*?$"))


def _progress(page):
    return page.get_by_role("progressbar", name="CCP points for RMA")


def test_member_records_a_course_and_downloads_the_transcript(page):
    member, certification = _member_in_an_open_cycle("Jordan", "Abernathy-Reyes")
    completed_on = clock.today() - datetime.timedelta(days=20)

    _open_ccp_page(page, member)

    main = page.get_by_role("main")
    expect(_progress(page)).to_have_attribute("aria-valuenow", "0.00")
    expect(_progress(page)).to_have_attribute("aria-valuetext", "0.00 of 30 points")
    expect(main.get_by_text("0.00 of 30 points", exact=True)).to_be_visible()
    expect(main.get_by_text("No activity recorded in this cycle yet.")).to_be_visible()

    main.get_by_role("link", name="Add an activity").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add an activity")
    _category(page).select_option(label=PROFESSIONAL_EDUCATION)
    expect(page.get_by_label("Period start")).to_be_hidden()  # a dated category: no period fields
    page.get_by_role("textbox", name=re.compile(r"^Title\*?$")).fill("Infection control update")
    page.get_by_label("Provider", exact=True).fill("County Hospital")
    page.get_by_label("Completed on").fill(completed_on.isoformat())
    page.get_by_label("Quantity", exact=True).fill("12")
    page.get_by_label(HELPS_JOB).check()
    page.get_by_role("button", name="Record activity").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "CCP points: Registered Medical Assistant (RMA)"
    )
    expect(page.get_by_role("status")).to_contain_text("Activity recorded: Infection control update.")
    expect(_progress(page)).to_have_attribute("aria-valuenow", "12.00")
    expect(main.get_by_text("12.00 of 30 points", exact=True)).to_be_visible()
    expect(definition(main, "Points missing")).to_have_text("18.00")
    activities = page.get_by_role("region", name="Activities in this cycle")
    item = activities.get_by_role("listitem").filter(has_text="Infection control update")
    expect(item).to_have_count(1)
    expect(item).to_contain_text(long_date(completed_on))
    expect(item).to_contain_text("12 contact hours")
    expect(item).to_contain_text("County Hospital")
    expect(item).to_contain_text("12.00 points")

    with page.expect_download() as download_info:
        main.get_by_role("link", name="Download transcript (PDF)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf"), download.suggested_filename
    assert member.member_number in download.suggested_filename
    text = pdf_text(download.path())
    assert member.full_name in text, text
    assert "Infection control update" in text, text
    assert "12.00" in text, text


def test_member_attests_the_cycle(page):
    member, certification = _member_in_an_open_cycle("Rosalind", "Featherstonehaugh")

    _open_ccp_page(page, member)

    main = page.get_by_role("main")
    expect(definition(main, "Compliance")).to_have_text("Not yet compliant")
    expect(definition(main, "Attestation")).to_contain_text("Not attested.")
    definition(main, "Attestation").get_by_role("link", name="Attest that you earned the points").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Attest your CCP points")
    expect(main.locator("#statement")).to_contain_text("at least 30 CCP points")
    name = page.get_by_label("Type your full legal name")
    name.fill("Rosalind Smith")
    page.get_by_role("button", name="Sign the attestation").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Attest your CCP points")
    expect(main).to_contain_text(f"Type your full legal name as on your certification: {member.full_name}.")
    expect(page.get_by_role("status")).to_have_count(0)  # no confirmation

    name.fill(f"  {member.full_name.upper()} ")  # case and spaces do not matter
    page.get_by_role("button", name="Sign the attestation").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "CCP points: Registered Medical Assistant (RMA)"
    )
    expect(page.get_by_role("status")).to_contain_text(
        "Your attestation is recorded: this cycle is compliant (subject to audit)."
    )
    expect(definition(main, "Compliance")).to_have_text("Compliant by attestation (subject to audit)")
    expect(definition(main, "Attestation")).to_have_text(
        re.compile(rf"^\s*Attested by .+ on {re.escape(long_date(clock.today()))}\s*$")
    )
    expect(definition(main, "Attestation").get_by_role("link")).to_have_count(0)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="CCP points", exact=True).click()
    expect(page.get_by_role("region", name="Registered Medical Assistant (RMA)")).to_contain_text(
        "compliant by attestation"
    )


def test_a_period_category_shows_period_fields_and_employment_is_not_offered_after_2020(page):
    member, certification = _member_in_an_open_cycle("Tomasz", "Wojciechowski")

    _open_ccp_page(page, member)
    page.get_by_role("main").get_by_role("link", name="Add an activity").click()

    # The cycle started after 2020: no day of it can earn employment points, and the form says why.
    expect(_category(page).locator("option", has_text=EMPLOYMENT)).to_have_count(0)
    expect(page.get_by_role("main")).to_contain_text(
        f"{EMPLOYMENT} is not offered: it counts only through December 31, 2020, and your current cycle "
        f"started on {long_date(certification.certified_on)}."
    )

    _category(page).select_option(label=PROFESSIONAL_EDUCATION)
    expect(page.get_by_label("Completed on")).to_be_visible()
    expect(page.get_by_label("Period start")).to_be_hidden()

    _category(page).select_option(label=ORGANIZATIONAL)
    expect(page.get_by_label("Period start")).to_be_visible()
    expect(page.get_by_label("Period end")).to_be_visible()
    expect(page.get_by_label("Completed on")).to_be_hidden()
    expect(page.get_by_label("Quantity", exact=True)).to_be_hidden()

    page.get_by_role("textbox", name=re.compile(r"^Title\*?$")).fill("Treasurer, state society of MAs")
    page.get_by_label("Period start").fill(
        (certification.certified_on - datetime.timedelta(days=30)).isoformat()
    )
    page.get_by_label("Period end").fill(
        (certification.certified_on - datetime.timedelta(days=1)).isoformat()
    )
    page.get_by_label(HELPS_JOB).check()
    page.get_by_role("button", name="Record activity").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Add an activity")
    summary = page.get_by_role("alert")
    expect(summary.get_by_role("heading", name="There is a problem with this activity")).to_be_focused()
    expect(summary).to_contain_text(
        f"This is before your current cycle started on {long_date(certification.certified_on)}"
    )
    # The submitted category is kept, with its period fields still the ones shown.
    expect(page.get_by_label("Period start")).to_be_visible()
    expect(page.get_by_label("Completed on")).to_be_hidden()

    page.get_by_role("link", name="Cancel").click()
    expect(_progress(page)).to_have_attribute("aria-valuenow", "0.00")
    expect(page.get_by_text("No activity recorded in this cycle yet.")).to_be_visible()


@pytest.mark.parametrize("viewport", [PHONE], indirect=True)
def test_a_refused_activity_form_leads_from_its_error_summary_to_each_field(page):
    member, certification = _member_in_an_open_cycle("Ines", "Okonkwo-Berg")
    log_in(page, member.user.email)
    page.goto(reverse("ccp:activity_add", args=[certification.pk]))

    _category(page).select_option(label=PROFESSIONAL_EDUCATION)
    page.get_by_label("Completed on").fill((clock.today() - datetime.timedelta(days=3)).isoformat())
    page.get_by_role("button", name="Record activity").click()

    # The summary at the top is read first, and each of its links takes the focus to its field
    summary = page.get_by_role("alert")
    expect(summary.get_by_role("heading", name="There is a problem with this activity")).to_be_focused()
    summary.get_by_role("link", name="Title: Give the activity a title.").click()
    title = page.get_by_role("textbox", name=re.compile(r"^Title\*?$"))
    expect(title).to_be_focused()
    expect(title).to_be_in_viewport()

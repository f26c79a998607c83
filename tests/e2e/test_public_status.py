"""A visitor (not signed in) checks a certification's status, by lookup, by its verification link and as
a list; a member downloads the certificate and wallet card that carry the link."""

import csv
import datetime

import pytest
from django.urls import reverse
from playwright.sync_api import expect
from pypdf import PdfReader

from core import clock
from core.links import absolute_url
from tests.e2e.helpers import PHONE, definition, log_in, long_date, pdf_text
from tests.factories import MemberFactory, make_certification

pytestmark = pytest.mark.e2e

NO_MATCH = "No certification matches this member number and last name."


def _check(page, member_number: str, last_name: str) -> None:
    page.get_by_label("Member number").fill(member_number)
    page.get_by_label("Last name").fill(last_name)
    page.get_by_role("button", name="Check status").click()
    page.wait_for_load_state()


def _expect_result(scope, certification) -> None:
    expect(scope.get_by_role("heading", name=certification.member.full_name)).to_be_visible()
    expect(definition(scope, "Credential")).to_have_text("Registered Medical Assistant (RMA)")
    expect(definition(scope, "Status")).to_have_text("Active")
    expect(definition(scope, "Active through")).to_have_text(long_date(certification.active_through))


def test_visitor_checks_a_status_and_opens_the_verification_link(page):
    member = MemberFactory(user__first_name="Jordan", last_name="Reyes-Whitfield")
    certification = make_certification(
        member, code="RMA", certified_on=clock.today() - datetime.timedelta(days=60)
    )
    assert certification.status == "active"

    page.goto("/check-status/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check a certification's status")
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()  # not signed in

    # The last name is matched case-insensitively.
    _check(page, member.member_number, "reyes-whitfield")
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", name="Result")).to_be_visible()
    _expect_result(main, certification)
    expect(main.get_by_text(NO_MATCH)).to_have_count(0)

    _check(page, member.member_number, "Whitfield")
    expect(main.get_by_text(NO_MATCH)).to_be_visible()
    expect(main.get_by_text(member.full_name)).to_have_count(0)

    page.goto(certification.get_verification_url())
    expect(page.get_by_role("heading", level=1)).to_have_text("Certification status")
    _expect_result(page.get_by_role("main"), certification)
    qr = page.get_by_role("img", name="QR code of this verification link")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0"), "the QR image did not load"
    qr_response = page.request.get(qr.get_attribute("src"))
    assert qr_response.status == 200
    assert qr_response.headers["content-type"].startswith("image/svg+xml")


# --- Check a list -------------------------------------------------------------------------------------


def _ten_staff():
    """Ten rows an HR office pastes: seven people certified two months ago (links, numbers with names
    typed loosely), a wrong name, an unknown link and a row without a name."""
    since = clock.today() - datetime.timedelta(days=60)
    people = [
        MemberFactory(user__first_name=first, last_name=last)
        for first, last in [
            ("Zoë", "O’Brien-Núñez"),
            ("Amara", "Okafor"),
            ("Lena", "Schäfer"),
            ("Tomás", "D'Angelo"),
            ("Mei", "Lin"),
            ("Ravi", "Iyer"),
            ("Ines", "García"),
        ]
    ]
    certifications = [make_certification(person, code="RMA", certified_on=since) for person in people]
    rows = [
        certifications[0].get_verification_url(),
        f"{people[1].member_number}, OKAFOR",
        f"{people[2].member_number}, schafer",
        f"{people[3].member_number}, D’Angelo",
        certifications[4].verification_token,
        f"{people[5].member_number}, iyer",
        f"{people[6].member_number}, Garcia",
        f"{people[6].member_number}, Smith",
        "/check-status/NoSuchTokenNoSuchTokenNoSuchTok/",
        "200999",
    ]
    return people, rows


def _answer_cells(page) -> list[list[str]]:
    table = page.get_by_role("table")
    return [
        [" ".join(cell.split()) for cell in row.locator("td").all_inner_texts()]
        for row in table.locator("tbody tr").all()
    ]


def test_an_employer_checks_a_list_of_ten_and_downloads_the_csv(page):
    people, rows = _ten_staff()

    page.goto("/check-status/")
    page.get_by_role("link", name="Check a list").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check a list of certifications")
    page.get_by_label("Paste the list").fill("\n".join(rows))
    page.get_by_role("button", name="Check the list").click()

    table = page.get_by_role("table")
    expect(page.get_by_role("main")).to_contain_text("10 rows checked; status as of")
    expect(table.locator("caption")).to_contain_text(
        "Answers to the list, one row per row given; status as of"
    )
    cells = _answer_cells(page)
    assert [row[2] for row in cells] == ["Found"] * 7 + [
        "Not found: No certification matches this member number and last name.",
        "Not found: No certification has this verification link.",
        "Malformed row: the last name is missing.",
    ]
    assert [row[3] for row in cells[:7]] == [person.full_name for person in people]
    assert {row[7] for row in cells[:7]} == {"Active"}

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download this table (CSV)").click()
    download = download_info.value
    assert download.suggested_filename.startswith("status-check-")
    with open(download.path(), encoding="utf-8") as file:
        header, *lines = list(csv.reader(file))
    assert header[:3] == ["Row", "Given", "Answer"] and header[-1] == "Answered at"
    assert [line[:-1] for line in lines] == cells


@pytest.mark.parametrize("viewport", [PHONE], indirect=True)
def test_the_answer_to_a_list_reads_on_a_phone(page):
    people, rows = _ten_staff()

    page.goto("/check-status/list/")
    page.get_by_label("Paste the list").fill("\n".join(rows[:3]))
    page.get_by_role("button", name="Check the list").click()

    first = page.get_by_role("table").locator("tbody tr").first
    expect(first).to_contain_text("Found")
    # Each answer is a card: every cell on its own line, labelled by its column, nothing off-screen
    status = first.locator("td[data-label='Status']")
    expect(status).to_have_text("Active")
    assert "Status" in status.evaluate("cell => getComputedStyle(cell, '::before').content")
    name = first.locator("td[data-label='Name']")
    expect(name).to_have_text(people[0].full_name)
    name_box, status_box = name.bounding_box(), status.bounding_box()
    assert name_box["x"] == pytest.approx(status_box["x"], abs=2)  # one above the other, not side by side
    assert status_box["y"] > name_box["y"]
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]


# --- Certificate and wallet card (the member's side of the same verification link) -------------------


def test_a_member_downloads_the_certificate_and_the_wallet_card(page):
    member = MemberFactory(user__first_name="Zoë", last_name="O’Brien-Núñez")
    certification = make_certification(
        member, code="RMA", certified_on=clock.today() - datetime.timedelta(days=60)
    )
    link = absolute_url(certification.get_verification_url())

    log_in(page, member.user.email)
    page.goto(reverse("members:certification", args=[certification.pk]))
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", name="Certificate and wallet card")).to_be_visible()

    for name, pages in (
        ("Download the certificate (PDF, letter)", 1),
        ("Download the wallet card (PDF)", 2),
    ):
        with page.expect_download() as download_info:
            main.get_by_role("link", name=name).click()
        download = download_info.value
        assert download.suggested_filename.endswith(f"-RMA-{member.member_number}.pdf")
        text = " ".join(pdf_text(download.path()).split())
        assert "Zoë O’Brien-Núñez" in text, text
        assert "Registered Medical Assistant (RMA)" in text
        assert f"Member number {member.member_number}" in text
        assert f"Active through {long_date(certification.active_through)}" in text
        assert link in text.replace(" ", ""), text
        assert len(PdfReader(download.path()).pages) == pages

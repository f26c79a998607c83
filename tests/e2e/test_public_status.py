"""A visitor (not signed in) checks a certification's status, by lookup and by its verification link."""

import datetime

import pytest
from playwright.sync_api import expect

from core import clock
from tests.e2e.helpers import definition, long_date
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

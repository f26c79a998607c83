"""Staff sign in with two-factor authentication and look up a member; staff without it are stopped."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from core import clock
from tests.e2e.helpers import PASSWORD_LABEL, field, fresh_totp_code, log_in
from tests.factories import DEFAULT_PASSWORD, MemberFactory, make_certification, make_staff

pytestmark = pytest.mark.e2e

SECRET = "JBSWY3DPEHPK3PXP"
SETUP = re.compile(r"/accounts/2fa/totp/activate/$")
SETUP_OR_CONFIRM = re.compile(
    r"/accounts/(2fa/totp/activate/|reauthenticate/\?next=%2Faccounts%2F2fa%2Ftotp%2Factivate%2F)$"
)


def test_staff_signs_in_with_totp_and_finds_a_member(page):
    staff = make_staff("Billing staff", two_factor_secret=SECRET)
    member = MemberFactory(user__first_name="Morgan", last_name="Vasquez-Lindqvist")
    today = clock.today()
    make_certification(member, code="RMA", certified_on=today - datetime.timedelta(days=30))
    make_certification(member, code="RPT", certified_on=today - datetime.timedelta(days=540))
    MemberFactory(user__first_name="Sam", last_name="Unrelated")

    log_in(page, staff.email)

    # Asked for the authenticator code before anything else.
    expect(page).not_to_have_url(re.compile(r"/staff/"))
    code = field(page, re.compile(r"code", re.I), "code")
    expect(code).to_be_visible()
    code.fill(fresh_totp_code(SECRET))
    with page.expect_navigation():
        code.press("Enter")

    expect(page).to_have_url(re.compile(r"/staff/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Staff home")
    expect(page.get_by_role("main")).to_contain_text("Roles: Billing staff")

    page.get_by_role("main").get_by_role("link", name="Find a member").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Find a member")
    page.get_by_label("Member number, e-mail or name").fill("Vasquez-Lindqvist")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="1 member found")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=member.member_number)
    expect(row).to_contain_text("Vasquez-Lindqvist, Morgan")
    expect(page.get_by_text("Unrelated")).to_have_count(0)

    row.get_by_role("link", name=member.member_number).click()
    expect(page).to_have_url(re.compile(rf"/staff/members/{member.member_number}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Morgan Vasquez-Lindqvist")
    expect(page.get_by_role("heading", name="Certifications")).to_be_visible()

    rma = page.get_by_role("region", name="RMA · Registered Medical Assistant")
    expect(rma.get_by_text("Active", exact=True).first).to_be_visible()
    expect(rma.get_by_role("heading", name="Status history")).to_be_visible()
    created = rma.get_by_role("row").filter(has_text="(new)")
    expect(created.get_by_role("cell").nth(2)).to_have_text("Active")
    expect(created.get_by_role("cell").nth(4)).to_have_text("test")  # the source, no person

    rpt = page.get_by_role("region", name="RPT · Registered Phlebotomy Technician")
    expect(rpt.get_by_text("Lapsed (fees)", exact=True).first).to_be_visible()
    expect(rpt.get_by_role("row").filter(has_text="(new)").get_by_role("cell").nth(2)).to_have_text(
        "Lapsed (fees)"
    )


def test_staff_without_two_factor_is_sent_to_totp_setup(page):
    staff = make_staff("Billing staff", two_factor_secret=None)

    log_in(page, staff.email)

    # Sent to the set-up page; allauth first asks for the password again (a recent re-authentication).
    expect(page).to_have_url(SETUP_OR_CONFIRM)
    expect(page.get_by_text("Staff accounts must use two-factor authentication")).to_be_visible()
    if "/reauthenticate/" in page.url:
        password = field(page, PASSWORD_LABEL, "password")
        password.fill(DEFAULT_PASSWORD)
        with page.expect_navigation():
            password.press("Enter")
    expect(page).to_have_url(SETUP)
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"authenticator", re.I))

    for staff_page in ("/staff/", "/staff/members/"):
        response = page.goto(staff_page)
        assert response.ok
        expect(page).to_have_url(SETUP)
        expect(page.get_by_text("Staff accounts must use two-factor authentication")).to_be_visible()
        expect(page.get_by_role("heading", name=re.compile("Staff home|Find a member"))).to_have_count(0)

"""A member signs in and reads the dashboard; the dashboard at a phone width."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from core import clock
from tests.e2e.helpers import PHONE, definition, log_in, long_date
from tests.factories import MemberFactory, make_certification

pytestmark = pytest.mark.e2e


def _member_with_two_certifications():
    """A member with an Active RMA (certified a month ago) and a Lapsed RPT (fees unpaid for months)."""
    today = clock.today()
    member = MemberFactory(user__first_name="Alexandra", last_name="Okonkwo")
    active = make_certification(member, code="RMA", certified_on=today - datetime.timedelta(days=30))
    lapsed = make_certification(member, code="RPT", certified_on=today - datetime.timedelta(days=540))
    assert (active.status, lapsed.status) == ("active", "lapsed"), "test data no longer gives these statuses"
    return member, active, lapsed


def test_member_sees_dashboard_and_certification_details(page):
    member, active, lapsed = _member_with_two_certifications()
    stranger_certification = make_certification(code="CMAS")

    log_in(page, member.user.email)

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Alexandra")
    expect(page.get_by_role("main")).to_contain_text(f"Member number {member.member_number}")

    rma = page.get_by_role("region", name="Registered Medical Assistant (RMA)")
    expect(rma.get_by_text("Active", exact=True).first).to_be_visible()
    expect(definition(rma, "Active through")).to_have_text(long_date(active.active_through))
    expect(definition(rma, "Certified on")).to_have_text(long_date(active.certified_on))

    rpt = page.get_by_role("region", name="Registered Phlebotomy Technician (RPT)")
    expect(rpt.get_by_text("Lapsed (fees)", exact=True).first).to_be_visible()
    expect(definition(rpt, "Not active since")).to_have_text(long_date(lapsed.lapse_date))
    expect(definition(rpt, "Active through")).to_have_count(0)

    # Only the member's own certifications are listed.
    expect(page.get_by_role("region")).to_have_count(2)
    expect(page.get_by_text("Certified Medical Administrative Specialist")).to_have_count(0)

    rma.get_by_role("link", name=re.compile(r"^Details and status history")).click()
    expect(page).to_have_url(re.compile(rf"/certifications/{active.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Registered Medical Assistant (RMA)")
    main = page.get_by_role("main")
    expect(main.get_by_text("Active", exact=True).first).to_be_visible()  # the badge, before the history
    expect(definition(main, "Active through")).to_have_text(long_date(active.active_through))
    expect(page.get_by_role("heading", name="Status history")).to_be_visible()
    first_change = page.get_by_role("row").filter(has_text="(new)")
    expect(first_change).to_have_count(1)
    expect(first_change.get_by_role("cell").nth(2)).to_have_text("Active")
    expect(page.get_by_role("link", name="Public status page")).to_have_attribute(
        "href", active.get_verification_url()
    )

    response = page.goto(f"/certifications/{stranger_certification.pk}/")
    assert response.status == 404
    expect(page.get_by_text(re.compile(r"not found", re.I)).first).to_be_visible()
    expect(page.get_by_text("Certified Medical Administrative Specialist")).to_have_count(0)


@pytest.mark.parametrize("viewport", [PHONE], indirect=True)
def test_dashboard_fits_a_phone_screen(page):
    member, _, _ = _member_with_two_certifications()
    make_certification(member, code="CMAS", certified_on=clock.today() - datetime.timedelta(days=200))

    log_in(page, member.user.email)

    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Alexandra")
    expect(page.get_by_role("region")).to_have_count(3)
    # The layout is only meaningful with the stylesheets applied (Bootstrap and the portal's own).
    assert page.evaluate("() => [...document.styleSheets].filter(s => s.cssRules.length > 0).length") >= 2
    expect(page.get_by_role("button", name="Toggle navigation")).to_be_visible()  # collapsed menu
    sizes = page.evaluate("() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")
    assert sizes["inner"] == PHONE["width"]
    assert sizes["scroll"] <= sizes["inner"], f"horizontal scroll on a phone: {sizes}"

"""The dashboard's "What's coming" at a phone width: a member 12 points short with 60 days left reads the
amber warning, with the points missing and the pace, without scrolling sideways (issue 12)."""

import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from ccp import services as ccp_services
from ccp.models import ActivityCategory
from core import clock
from core.formatting import format_date
from members.rules import add_years, cycle
from tests.e2e.helpers import PHONE, log_in
from tests.factories import MemberFactory, make_certification

pytestmark = pytest.mark.e2e


def _member_12_points_short_with_60_days_left():
    today = clock.today()
    cycle_end = today + datetime.timedelta(days=59)  # days left count today and the last day
    certified_on = add_years(cycle_end + datetime.timedelta(days=1), -3)
    assert cycle(certified_on, 0).end == cycle_end, "no anchor gives 60 days left today (a Feb 29 case)"
    member = MemberFactory(user__first_name="Sam")
    paid_through = datetime.date(today.year + 1, certified_on.month, 1) - datetime.timedelta(days=1)
    certification = make_certification(
        member, certified_on=certified_on, today=today, paid_through=paid_through
    )
    ccp_services.activity_record(
        certification=certification,
        today=today,
        recorded_by=None,
        category=ActivityCategory.objects.get(code="professional-education"),
        title="Infection control update",
        completed_on=today - datetime.timedelta(days=10),
        quantity=Decimal("18"),
        helps_job=True,
    )
    return member, cycle_end


@pytest.mark.parametrize("viewport", [PHONE], indirect=True)
def test_the_timeline_warns_in_amber_and_fits_a_phone_screen(page):
    member, cycle_end = _member_12_points_short_with_60_days_left()

    log_in(page, member.user.email)

    rma = page.get_by_role("region", name="Registered Medical Assistant (RMA)")
    expect(rma.get_by_role("heading", name="What's coming")).to_be_visible()
    amber = rma.locator("li[data-urgency='amber']")
    expect(amber).to_have_count(1)
    expect(amber).to_be_visible()
    expect(amber).to_contain_text("Action needed")
    expect(amber).to_contain_text(
        f"CCP cycle ends on {format_date(cycle_end)}: 12 points missing, about 6.1 points a month"
    )
    expect(rma).to_contain_text(
        f"Active through {format_date(cycle_end)} because your CCP cycle ends on {format_date(cycle_end)} "
        "and you are 12 points short"
    )
    # The warning colour is Bootstrap's, with its words beside it (not colour alone).
    expect(amber.locator(".badge.text-bg-warning")).to_have_text("Action needed")
    sizes = page.evaluate("() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")
    assert sizes["inner"] == PHONE["width"]
    assert sizes["scroll"] <= PHONE["width"], f"horizontal scroll on a phone: {sizes}"
    box = amber.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]

"""An administrator retries a Credly badge that Credly refused, from the staff member record."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from core import clock
from recert import services
from recert.models import Badge
from tests.e2e.helpers import staff_signs_in
from tests.factories import MemberFactory, make_certification

pytestmark = pytest.mark.e2e


def test_an_administrator_retries_an_errored_badge(page, site, stand_in):
    today = clock.today()
    member = MemberFactory(first_name="Ana", last_name="Silva", member_number="A100200")
    certification = make_certification(member, code="RMA", certified_on=today - datetime.timedelta(days=30))
    stand_in.fail("issue", "422", message="Validation failed: Recipient email is invalid")
    badge = services.badge_record(certification=certification, today=today, source="test")  # issued at commit
    assert Badge.objects.get(pk=badge.pk).state == "error"

    staff_signs_in(page, "Administrator", "Ada", "Admin")
    page.goto(f"{site}/staff/members/A100200/")
    rma = page.get_by_role("region", name="RMA · Registered Medical Assistant")
    event = rma.locator(f"[data-badge='{badge.pk}']")
    expect(event).to_contain_text("Credly: Error")
    expect(event).to_contain_text("Validation failed: Recipient email is invalid")

    with page.expect_navigation():
        event.get_by_role("button", name=re.compile(r"Retry the RMA badge")).click()

    expect(page.get_by_text("The RMA badge will be sent to Credly again.")).to_be_visible()
    event = page.get_by_role("region", name="RMA · Registered Medical Assistant").locator(
        f"[data-badge='{badge.pk}']"
    )
    expect(event).to_contain_text("Credly: Issued")
    expect(event.get_by_role("button")).to_have_count(0)
    event.get_by_text("Timeline").click()
    expect(event.get_by_role("row").filter(has_text="Retry asked by staff.")).to_contain_text(
        "ada@staff.example.org"
    )
    [issued] = stand_in.badges()
    expect(event).to_contain_text(issued["id"])
    assert issued["issuer_earner_id"] == "A100200"

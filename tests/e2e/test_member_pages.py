"""A member in a second CCP cycle, with a paid and an open invoice, goes through the pages no other browser
test opens: the profile, the CCP overview and an earlier cycle, the invoices, and the public "Check your
status" page while signed in. Each is checked by axe (tests/e2e/accessibility.py) on the way."""

import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from billing import services as billing_services
from ccp import services as ccp_services
from ccp.models import ActivityCategory, Cycle
from core import clock
from members.rules import add_years
from tests.e2e.helpers import definition, log_in, long_date
from tests.factories import MemberFactory, make_certification, make_staff

pytestmark = pytest.mark.e2e


def _course(certification, *, on: datetime.date, hours: str, title: str) -> None:
    ccp_services.activity_record(
        certification=certification,
        today=on,
        recorded_by=None,
        category=ActivityCategory.objects.get(code="professional-education"),
        title=title,
        provider="County Hospital",
        completed_on=on,
        quantity=Decimal(hours),
        helps_job=True,
    )


def _member_in_a_second_cycle_with_a_paid_and_an_open_invoice():
    """Like the demo's members: an RMA certified three years and five months ago, fees paid through this fee
    year. The first cycle closed compliant (a 30-hour course), the second is open (a 6-hour course). Next
    year's fee was paid ahead by check; the year after is invoiced and open."""
    today = clock.today()
    certified_on = add_years(today, -3) - datetime.timedelta(days=150)
    anniversary = datetime.date(today.year, certified_on.month, 1)
    if anniversary <= today:
        anniversary = datetime.date(today.year + 1, certified_on.month, 1)
    member = MemberFactory(user__first_name="Priya", last_name="Raghunathan-Cole")
    certification = make_certification(
        member,
        certified_on=certified_on,
        today=certified_on,
        paid_through=anniversary - datetime.timedelta(days=1),
    )
    first = Cycle.objects.get(certification=certification, state=Cycle.State.OPEN)
    _course(
        certification, on=first.start_on + datetime.timedelta(days=200), hours="30", title="Phlebotomy update"
    )
    ccp_services.cycles_roll(today=first.end_on + datetime.timedelta(days=1))
    _course(
        certification, on=today - datetime.timedelta(days=20), hours="6", title="Infection control update"
    )

    staff = make_staff("Billing staff")
    paid = billing_services.invoice_issue_next(certification=certification, today=today, source="test")
    billing_services.invoice_record_check(
        invoice=paid, check_number="3107", received_on=today, today=today, actor=staff
    )
    open_invoice = billing_services.invoice_issue_next(
        certification=certification, today=today, source="test"
    )
    return member, first, paid, open_invoice


def _menu(page, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True).click()


def test_member_opens_profile_ccp_cycle_invoices_and_status_pages(page):
    member, first_cycle, paid, open_invoice = _member_in_a_second_cycle_with_a_paid_and_an_open_invoice()

    log_in(page, member.user.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Priya")

    _menu(page, "Profile")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your profile")
    expect(definition(page.get_by_role("main"), "Member number")).to_have_text(member.member_number)

    _menu(page, "CCP points")
    expect(page.get_by_role("heading", level=1)).to_have_text("CCP points")
    rma = page.get_by_role("region", name="Registered Medical Assistant (RMA)")
    expect(rma).to_contain_text("6.00 of 30 points")
    rma.get_by_role("link", name="Activities and details of RMA").click()
    earlier = page.get_by_role("region", name="Earlier cycles")
    expect(earlier).to_contain_text("Closed: compliant")
    first_cycle_dates = f"{long_date(first_cycle.start_on)} to {long_date(first_cycle.end_on)}"
    earlier.get_by_role("link", name=first_cycle_dates).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"CCP cycle {first_cycle_dates}")
    expect(page.get_by_role("main")).to_contain_text("Phlebotomy update")

    _menu(page, "Invoices")
    expect(page.get_by_role("heading", level=1)).to_have_text("Invoices and payments")
    pay = page.get_by_role("link", name=f"Pay {open_invoice.amount} for invoice {open_invoice.number}")
    expect(pay).to_be_visible()
    expect(page.get_by_role("link", name=f"Receipt for invoice {paid.number} (PDF)")).to_be_visible()

    _menu(page, "Check a status")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check a certification's status")
    page.get_by_label("Member number").fill(member.member_number)
    page.get_by_label("Last name").fill(member.last_name)
    page.get_by_role("button", name="Check status").click()
    result = page.get_by_role("main")
    expect(result.get_by_role("heading", name=member.full_name)).to_be_visible()
    expect(definition(result, "Status")).to_have_text("Active")

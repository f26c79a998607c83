"""The invoices page at a phone width (issue 12): a member with several invoices, two of them open (like
demo member03), reads the page without scrolling sideways and sees every Pay button on the screen."""

import datetime

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from billing import services
from billing.models import Invoice
from core import clock
from tests.e2e.helpers import PHONE, log_in
from tests.factories import MemberFactory, make_certification, make_staff

pytestmark = pytest.mark.e2e


def _lapsed_member_with_two_open_invoices_and_a_paid_one():
    """RMA certified in 2003 in this month (exempt from CCP: only fees matter), recorded then with fees paid
    through the fee year that ended two years ago: the fee years starting two years ago, one year ago and
    this month are invoiced today; the oldest is paid by check (a receipt), the other two stay open and the
    certification is Lapsed (fees)."""
    today = clock.today()
    member = MemberFactory(user__first_name="James", last_name="Carter-Abernathy")
    paid_through = datetime.date(today.year - 2, today.month, 1) - datetime.timedelta(days=1)
    certified_on, recorded_on = datetime.date(2003, today.month, 17), datetime.date(2003, today.month, 28)
    certification = make_certification(
        member, certified_on=certified_on, today=recorded_on, paid_through=paid_through
    )
    assert services.invoices_issue_due(today=today) == 3
    oldest = Invoice.objects.filter(certification=certification).order_by("due_on").first()
    services.invoice_record_check(
        invoice=oldest, check_number="2041", received_on=today, today=today, actor=make_staff("Billing staff")
    )
    certification.refresh_from_db()
    assert certification.status == "lapsed", "test data no longer gives a Lapsed certification"
    return member, list(Invoice.objects.filter(certification=certification, state="open").order_by("due_on"))


@pytest.mark.parametrize("viewport", [PHONE], indirect=True)
def test_the_invoices_page_fits_a_phone_and_shows_every_pay_button(page):
    member, open_invoices = _lapsed_member_with_two_open_invoices_and_a_paid_one()
    assert len(open_invoices) == 2

    log_in(page, member.user.email)
    page.goto(reverse("billing:invoices"))

    expect(page.get_by_role("heading", level=1)).to_have_text("Invoices and payments")
    expect(page.get_by_role("link", name="Receipt for invoice", exact=False)).to_have_count(1)
    sizes = page.evaluate("() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")
    assert sizes["inner"] == PHONE["width"]
    assert sizes["scroll"] <= PHONE["width"], f"horizontal scroll on a phone: {sizes}"
    # Stacked as cards, it is still a table to a screen reader: the column headers and one row per invoice.
    table = page.get_by_role("table", name="Your invoices, open ones first")
    expect(table.get_by_role("columnheader")).to_have_count(6)
    expect(table.get_by_role("row")).to_have_count(4)
    for invoice in open_invoices:
        pay = page.get_by_role("link", name=f"Pay {invoice.amount} for invoice {invoice.number}")
        expect(pay).to_be_visible()
        box = pay.bounding_box()
        assert box is not None, invoice.number
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (invoice.number, box)

"""An administrator reads the board's reports on a phone: from the staff home to the reports, a chart with
its table beside it, the period form, and a table downloaded as CSV. checked_page runs axe on the last page
(no serious violation) and fails on anything the Content-Security-Policy blocked."""

import csv
import re

import pytest
from playwright.sync_api import expect

from tests.amtportal.report_body import make_body
from tests.e2e.helpers import PHONE, staff_signs_in

pytestmark = pytest.mark.e2e


def fits_the_screen(page) -> bool:
    """Nothing makes the whole page scroll sideways (wide tables scroll inside their own region)."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("viewport", [PHONE], indirect=True)
def test_an_administrator_reads_the_reports_at_phone_width(page):
    make_body()
    staff_signs_in(page, "Administrator", "Ada", "Board")
    page.get_by_role("link", name="Reports").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reports")
    assert fits_the_screen(page)

    page.get_by_role("link", name="Revenue").click()
    page.get_by_label("Year").fill("2026")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("January 1, 2026 to December 31, 2026")).to_be_visible()
    table = page.get_by_role("table", name="Revenue by month and kind")
    expect(table.get_by_role("row", name=re.compile(r"^Total"))).to_contain_text("$175.00")
    chart = page.get_by_role("img", name=re.compile(r"^Chart: Revenue by month"))
    expect(chart).to_be_visible()
    assert page.evaluate("img => img.naturalWidth > 0", chart.element_handle())
    assert fits_the_screen(page)

    with page.expect_download() as downloaded:
        page.get_by_role("link", name="CSV").click()
    with open(downloaded.value.path(), encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[-1] == ["Total", "150.00", "75.00", "50.00", "175.00"]

    page.get_by_label("Year").fill("next year")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("is not a year the reports cover")).to_be_visible()

    page.get_by_role("link", name="Reports").first.click()
    page.get_by_role("link", name="Annual counts for the accreditor").click()
    counts = page.get_by_role("table", name="Annual counts by credential and year")
    expect(counts.get_by_role("row", name=re.compile(r"^Total"))).to_contain_text("6")
    assert fits_the_screen(page)

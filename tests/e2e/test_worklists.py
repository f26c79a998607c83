"""Billing staff's work list in the browser: from the staff home to the open invoices, filtered to those long
overdue, downloaded as XLSX (read back: the rows the page listed)."""

import datetime
import io

import openpyxl
import pytest
from playwright.sync_api import expect

from billing import services
from billing.models import Invoice
from core import clock
from tests.e2e.helpers import staff_signs_in
from tests.factories import MemberFactory, make_certification

pytestmark = pytest.mark.e2e


def open_fee(first_name: str, *, due_in_month_of: datetime.date) -> Invoice:
    """An annual fee due at the end of the month of `due_in_month_of`, issued and still open."""
    month_start = due_in_month_of.replace(day=1)
    certification = make_certification(
        MemberFactory(first_name=first_name, last_name="Ortiz"),
        certified_on=datetime.date(month_start.year - 1, month_start.month, 14),
        paid_through=month_start - datetime.timedelta(days=1),
    )
    services.invoices_issue_due(today=month_start - datetime.timedelta(days=1))
    return Invoice.objects.get(certification=certification)


def test_billing_staff_filter_overdue_invoices_and_download_the_xlsx(page):
    """Given Nina's fee 65 to 95 days overdue and Omar's 5 to 35 days overdue, when billing staff open "Open
    and overdue invoices" from their home, filter to 50 days overdue or more and download the Excel file,
    then the page and the file hold Nina's invoice only."""
    today = clock.today()
    nina = open_fee("Nina", due_in_month_of=today - datetime.timedelta(days=95))
    omar = open_fee("Omar", due_in_month_of=today - datetime.timedelta(days=35))

    staff_signs_in(page, "Billing staff", "Bill", "Ledger")
    work = page.get_by_role("list", name="Work lists")
    expect(work.get_by_role("listitem").filter(has_text="Open and overdue invoices")).to_contain_text(
        "2 overdue"
    )
    work.get_by_role("link", name="Open and overdue invoices").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Open and overdue invoices")
    expect(page.get_by_role("row").filter(has_text=omar.number)).to_be_visible()

    page.get_by_label("Days overdue at least").fill("50")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("table")).to_contain_text(nina.number)
    expect(page.get_by_role("table")).not_to_contain_text(omar.number)
    expect(page.get_by_text("1 open invoice, earliest due first")).to_be_visible()

    with page.expect_download() as download:
        page.get_by_role("link", name="Excel (XLSX)").click()
    assert download.value.suggested_filename == f"open-invoices-{today:%Y-%m-%d}.xlsx"
    rows = [
        [cell.value for cell in row]
        for row in openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes())).active.iter_rows()
    ]
    assert rows[0][:3] == ["Invoice", "Member number", "Member"]
    assert [row[0] for row in rows[1:]] == [nina.number]
    assert rows[1][2] == "Nina Ortiz" and rows[1][6] == (today - nina.due_on).days and rows[1][7] == 50

    # a filter that can't be read is said in the page
    page.get_by_label("Days overdue at least").fill("-4")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("The list is not shown until the filters above are corrected.")).to_be_visible()

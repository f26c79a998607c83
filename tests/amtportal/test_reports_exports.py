"""Every report table downloads as CSV and XLSX, and each reads back equal to the table on the page."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from amtportal.reports.pages import REPORTS
from tests.amtportal.report_body import TODAY, make_body
from tests.factories import make_staff
from tests.pages import at

FIRST_HALF = {"start": "2026-01-01", "end": "2026-06-30"}


@pytest.fixture
def administrator(client, db, time_machine):
    at(time_machine, TODAY)
    make_body()
    client.force_login(make_staff("Administrator"))


def every_table():
    """(slug, table key) of every table of every report."""
    keys = {
        "certificants": ["by-status", "active-over-time"],
        "renewals": ["fees-by-month", "renewal-rate"],
        "revenue": ["revenue-by-month"],
        "forecast": ["lapse-forecast"],
        "ccp": ["cycle-outcomes", "audit-outcomes"],
        "recertification": ["applications", "time-to-decision"],
        "accreditor": ["annual-counts"],
    }
    assert set(keys) == set(REPORTS)
    return [(slug, key) for slug, tables in keys.items() for key in tables]


def page_table(client, slug, key):
    response = client.get(reverse("reports:report", args=[slug]), FIRST_HALF)
    return next(table for table in response.context["report"].tables if table.key == key)


def download(client, slug, key, fmt):
    response = client.get(reverse("reports:export", args=[slug, key, fmt]), FIRST_HALF)
    assert response.status_code == 200
    assert f"{slug}-{key}-2026-01-01-2026-06-30.{fmt}" in response["Content-Disposition"]
    return b"".join(response.streaming_content)


def as_text(value) -> str:
    return "" if value is None else str(value)


@pytest.mark.parametrize(("slug", "key"), every_table())
def test_the_csv_reads_back_equal_to_the_table(client, administrator, slug, key):
    table = page_table(client, slug, key)
    rows = list(csv.reader(io.StringIO(download(client, slug, key, "csv").decode())))
    assert rows[0] == table.header
    assert rows[1:] == [[as_text(cell) for cell in row] for row in table.export_rows]
    assert len(rows) > 1


@pytest.mark.parametrize(("slug", "key"), every_table())
def test_the_xlsx_reads_back_equal_to_the_table(client, administrator, slug, key):
    table = page_table(client, slug, key)
    sheet = openpyxl.load_workbook(io.BytesIO(download(client, slug, key, "xlsx")), read_only=True).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == table.header

    def cell(value):
        if isinstance(value, Decimal):
            return float(value)
        return None if value == "" else value

    assert rows[1:] == [[cell(value) for value in row] for row in table.export_rows]


def test_the_revenue_csv_has_dollars_as_a_person_counted_them(client, administrator):
    rows = list(csv.reader(io.StringIO(download(client, "revenue", "revenue-by-month", "csv").decode())))
    assert rows[0] == [
        "Month",
        "Annual fees (USD)",
        "Recertification fees (USD)",
        "Refunds (USD)",
        "Net (USD)",
    ]
    assert rows[5] == ["2026-05", "50.00", "0.00", "50.00", "0.00"]
    assert rows[-1] == ["Total", "150.00", "75.00", "50.00", "175.00"]


def test_an_unknown_table_or_format_is_not_found(client, administrator):
    assert client.get(reverse("reports:export", args=["revenue", "nothing", "csv"])).status_code == 404
    assert (
        client.get(reverse("reports:export", args=["revenue", "revenue-by-month", "pdf"])).status_code == 404
    )
    assert client.get(reverse("reports:report", args=["nothing"])).status_code == 404

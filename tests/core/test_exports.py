"""Exports read back: the XLSX holds the same cells as the CSV, text that can't be read as a formula, dates as
dates and amounts as numbers in a currency format."""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl

from core.exports import MONEY_FORMAT, Money, csv_response, xlsx_response

HEADER = ["Member", "Due", "Amount", "Points", "Paid at"]


def rows():
    return [
        [
            '=HYPERLINK("http://evil.example","x")',
            datetime.date(2026, 3, 1),
            Money.from_cents(12550),
            Decimal("4.5"),
            datetime.datetime(2026, 3, 2, 15, 30, tzinfo=datetime.UTC),
        ],
        ["Ada Lovelace", datetime.date(2026, 4, 1), Money.from_cents(9000), Decimal("0"), None],
    ]


def read_xlsx(response) -> list[tuple]:
    content = b"".join(response.streaming_content)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [tuple(cell for cell in row) for row in sheet.iter_rows()]


def test_the_xlsx_keeps_a_formula_as_text_and_dates_and_money_as_typed_cells(settings):
    # given a row with a member named like a formula, a date, an amount, points and a moment
    settings.TIME_ZONE = "America/Chicago"
    # when exported as XLSX
    response = xlsx_response(header=HEADER, rows=rows(), filename="list.xlsx")
    # then it downloads as an attachment and reads back with the same cells, typed
    assert response["Content-Disposition"] == 'attachment; filename="list.xlsx"'
    sheet_rows = read_xlsx(response)
    assert [cell.value for cell in sheet_rows[0]] == HEADER
    name, due, amount, points, paid_at = sheet_rows[1]
    assert name.value == '\'=HYPERLINK("http://evil.example","x")'
    assert name.data_type == "s"
    assert due.value.date() == datetime.date(2026, 3, 1) and due.is_date
    assert amount.value == 125.5 and amount.number_format == MONEY_FORMAT
    assert points.value == 4.5 and points.number_format == "#,##0.00"
    # the moment in the portal's time zone
    assert paid_at.value.timetuple()[:5] == (2026, 3, 2, 9, 30)
    assert [cell.value for cell in sheet_rows[2]][::2] == ["Ada Lovelace", 90, None]
    assert sheet_rows[2][1].value.date() == datetime.date(2026, 4, 1)


def test_the_csv_and_the_xlsx_hold_the_same_text():
    csv_text = b"".join(csv_response(header=HEADER, rows=rows(), filename="l.csv").streaming_content).decode()
    csv_rows = list(csv.reader(io.StringIO(csv_text)))
    sheet_rows = read_xlsx(xlsx_response(header=HEADER, rows=rows(), filename="l.xlsx"))
    # the text cells are the same characters in both; the amount reads the same
    assert csv_rows[1][0] == sheet_rows[1][0].value
    assert csv_rows[1][2] == "125.50"
    assert Decimal(csv_rows[1][2]) == Decimal(str(sheet_rows[1][2].value))


def test_an_empty_list_is_a_sheet_with_its_header_only():
    sheet_rows = read_xlsx(xlsx_response(header=HEADER, rows=iter(()), filename="empty.xlsx"))
    assert [[cell.value for cell in row] for row in sheet_rows] == [HEADER]

"""Exports staff open in a spreadsheet: cells that can't be read as formulas, CSV streamed row by row and XLSX
written row by row to a temporary file, so a long list never sits in memory."""

import csv
import datetime
import os
import tempfile
from collections.abc import Iterable, Sequence
from decimal import Decimal

import xlsxwriter
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value) -> str:
    """A spreadsheet must not read a member's text as a formula (=, +, -, @ first)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in FORMULA_PREFIXES else text


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(*, header: Sequence[str], rows: Iterable[Sequence], filename: str) -> StreamingHttpResponse:
    """A CSV download streamed row by row, every cell formula-safe."""
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow([spreadsheet_cell(cell) for cell in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_FORMAT = '"$"#,##0.00'
NUMBER_FORMAT = "#,##0.00"
DATE_FORMAT = "mmm d, yyyy"
DATE_TIME_FORMAT = "mmm d, yyyy h:mm AM/PM"


class Money(Decimal):
    """An amount of dollars: a number in a currency format in XLSX, "125.00" in CSV (plain Decimals, such as
    CCP points, are numbers with two places)."""

    @classmethod
    def from_cents(cls, cents: int) -> "Money":
        return cls(Decimal(cents).scaleb(-2))


def xlsx_response(*, header: Sequence[str], rows: Iterable[Sequence], filename: str) -> FileResponse:
    """An XLSX download of the same cells as the CSV (text formula-safe), with dates as dates and amounts
    (Money) as numbers in a currency format. The workbook is written in XlsxWriter's constant_memory mode
    (each row flushed as the next begins) to a temporary file that is unlinked once open, then streamed."""
    descriptor, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(descriptor)
    try:
        _write_workbook(path, header, rows)
        handle = open(path, "rb")  # noqa: SIM115 (FileResponse closes it once sent)
    finally:
        os.unlink(path)  # the open handle keeps the data until the response is closed
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)


def _write_workbook(path: str, header: Sequence[str], rows: Iterable[Sequence]) -> None:
    workbook = xlsxwriter.Workbook(
        path,
        {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False},
    )
    try:
        sheet = workbook.add_worksheet()
        formats = {
            "bold": workbook.add_format({"bold": True}),
            "money": workbook.add_format({"num_format": MONEY_FORMAT}),
            "number": workbook.add_format({"num_format": NUMBER_FORMAT}),
            "date": workbook.add_format({"num_format": DATE_FORMAT}),
            "date_time": workbook.add_format({"num_format": DATE_TIME_FORMAT}),
        }
        for column, title in enumerate(header):
            sheet.write_string(0, column, spreadsheet_cell(title), formats["bold"])
        for row_number, row in enumerate(rows, start=1):
            for column, value in enumerate(row):
                _write_cell(sheet, row_number, column, value, formats)
    finally:
        workbook.close()


def _write_cell(sheet, row: int, column: int, value, formats) -> None:
    if value is None or value == "":
        return
    if isinstance(value, bool):
        sheet.write_string(row, column, "Yes" if value else "No")
    elif isinstance(value, Money):
        sheet.write_number(row, column, float(value), formats["money"])
    elif isinstance(value, Decimal):
        sheet.write_number(row, column, float(value), formats["number"])
    elif isinstance(value, int | float):
        sheet.write_number(row, column, value)
    elif isinstance(value, datetime.datetime):
        moment = timezone.localtime(value) if timezone.is_aware(value) else value
        sheet.write_datetime(row, column, moment.replace(tzinfo=None), formats["date_time"])
    elif isinstance(value, datetime.date):
        sheet.write_datetime(row, column, value, formats["date"])
    else:
        sheet.write_string(row, column, spreadsheet_cell(value))

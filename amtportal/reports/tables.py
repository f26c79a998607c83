"""A report table: its columns (with the kind of value each holds), its rows of plain values, and the chart
drawn from it. The page shows the values formatted; the CSV and XLSX exports carry the same cells (numbers
as numbers, money in dollars, percentages as numbers), so an export reads back equal to the table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from amtportal.reports.charts import Chart
from core.exports import Money

TEXT, COUNT, MONEY, PERCENT, DAYS = "text", "count", "money", "percent", "days"


@dataclass(frozen=True)
class Column:
    title: str
    kind: str = COUNT

    @property
    def numeric(self) -> bool:
        return self.kind != TEXT


@dataclass(frozen=True)
class Table:
    """`rows`: lists of plain values, the first column the row's header (th scope="row")."""

    key: str
    title: str
    columns: Sequence[Column]
    rows: Sequence[Sequence]
    chart: Chart | None = None
    note: str = ""
    footer: Sequence | None = None  # a totals row

    @property
    def header(self) -> list[str]:
        return [column.title for column in self.columns]

    @property
    def export_rows(self) -> list[list]:
        return [list(row) for row in self.rows] + ([list(self.footer)] if self.footer else [])

    def display_rows(self) -> list[list[str]]:
        return [self._display(row) for row in self.rows]

    def display_footer(self) -> list[str] | None:
        return self._display(self.footer) if self.footer else None

    def _display(self, row: Sequence) -> list[str]:
        return [display(value, column.kind) for value, column in zip(row, self.columns, strict=True)]


def display(value, kind: str) -> str:
    if value is None or value == "":
        return "–" if kind != TEXT else ""
    if kind == MONEY:
        sign = "-" if value < 0 else ""
        return f"{sign}${abs(value):,.2f}"
    if kind == PERCENT:
        return f"{value}%"
    if kind in (COUNT, DAYS) and not isinstance(value, str):
        return f"{value:,}"
    return str(value)


def dollars(cents: int) -> Money:
    """An amount in dollars: a currency-formatted number in XLSX, "125.00" in CSV."""
    return Money.from_cents(cents)


def percent(part: int, whole: int) -> Decimal | None:
    """part / whole as a percentage with one decimal (half up), or None when there is nothing to divide."""
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def month_label(day) -> str:
    return f"{day:%Y-%m}"


@dataclass
class Report:
    """One page: its tables and, for the period form, what period it covers."""

    slug: str
    title: str
    summary: str
    tables: list[Table] = field(default_factory=list)
    method: str = ""

    def table(self, key: str) -> Table | None:
        return next((table for table in self.tables if table.key == key), None)

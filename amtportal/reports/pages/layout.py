"""What the report builders share: the money columns' unit and a chart of named columns."""

from __future__ import annotations

from amtportal.reports.charts import Chart, Series

USD = "(USD)"


def rows_sum(rows, column: int):
    return sum(row[column] for row in rows)


def chart(title: str, labels, columns: dict[str, list], kind: str = "bar") -> Chart:
    return Chart(title, list(labels), [Series(name, values) for name, values in columns.items()], kind)

"""The CSV import of the body's own online CE completions (`import_online_completions`): every row or none,
each row recorded as the learning platform's post would be (ccp.services.online), and a report of the rows
recorded now and those found recorded before."""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from ccp.services.online import OnlineCompletionError, completion_values, online_completion_record
from core.csv_import import csv_import_all_or_nothing

CSV_COLUMNS = ("member_number", "course_id", "title", "completed_on", "contact_hours")


@dataclass
class OnlineImportReport:
    """Rows as "member_number course_id completed_on": recorded now, or found already recorded."""

    recorded: list[str] = field(default_factory=list)
    already_recorded: list[str] = field(default_factory=list)
    activities_created: int = 0

    def __str__(self):
        return (
            f"Recorded {len(self.recorded)} completion(s) as {self.activities_created} activity(ies); "
            f"{len(self.already_recorded)} already recorded."
        )


def _import_row(row: dict, *, today: datetime.date, report: OnlineImportReport) -> None:
    values = completion_values(row)
    activities = online_completion_record(**values, today=today)
    created = sum(1 for activity in activities if activity.created)
    label = f"{values['member_number']} {values['course_id']} {values['completed_on']}"
    (report.recorded if created else report.already_recorded).append(label)
    report.activities_created += created


def online_completions_import_csv(*, text: str, today: datetime.date) -> OnlineImportReport:
    """Import every row or none: header member_number,course_id,title,completed_on,contact_hours and
    optionally credential. Bad rows are reported with their line numbers (ImportFailed) and nothing is
    recorded; rows recorded before (by the API or an earlier import) are counted, not errors."""
    report = OnlineImportReport()

    def import_row(row: dict) -> None:
        try:
            _import_row(row, today=today, report=report)
        except OnlineCompletionError as error:
            raise ValidationError(error.message) from None

    csv_import_all_or_nothing(text=text, required_columns=CSV_COLUMNS, import_row=import_row)
    return report

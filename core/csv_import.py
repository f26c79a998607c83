"""All-or-nothing CSV imports: every row is imported or none, each bad row reported with its line number.

`csv_import_all_or_nothing` is the service side (the apps' import services pass it their row importer);
`CsvImportCommand` is the management-command side (read the file, call the service, report the errors).
"""

import csv
import io
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core import clock


class ImportFailed(Exception):
    """The file had bad rows; nothing was imported. `errors` holds (line number, message) pairs."""

    def __init__(self, errors: list[tuple[int, str]]):
        self.errors = errors
        super().__init__(f"{len(errors)} row(s) with errors; nothing was imported.")


def validation_message(error: ValidationError) -> str:
    """A ValidationError as one line: "field: message" per field, or its messages."""
    if hasattr(error, "message_dict"):
        return "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in error.message_dict.items())
    return " ".join(error.messages)


def csv_import_all_or_nothing(
    *, text: str, required_columns: Sequence[str], import_row: Callable[[dict], None]
) -> None:
    """Call `import_row` for each row of `text` (a CSV with a header), each row in its own savepoint.

    A row is refused by raising ValidationError. If any row is refused (or the header lacks a required
    column, or there is no row), everything is rolled back and ImportFailed lists every refused row.
    """
    reader = csv.DictReader(io.StringIO(text))
    absent = [column for column in required_columns if column not in (reader.fieldnames or [])]
    if absent:
        raise ImportFailed([(1, f"the header lacks the column(s) {', '.join(absent)}")])
    errors: list[tuple[int, str]] = []
    rows = 0
    with transaction.atomic():
        for row in reader:
            rows += 1
            try:
                with transaction.atomic():
                    import_row(row)
            except ValidationError as error:
                errors.append((reader.line_num, validation_message(error)))
        if not rows:
            errors.append((1, "the file has no rows"))
        if errors:
            transaction.set_rollback(True)
    if errors:
        raise ImportFailed(errors)


class CsvImportCommand(BaseCommand):
    """A command that imports a CSV file through `import_csv`, an app's all-or-nothing import service
    called as `import_csv(text=..., today=...)`; subclasses set it (as a staticmethod), `help` and
    `columns_help`, and may override `summary`."""

    columns_help = "CSV file"
    import_csv: Callable[..., Any]

    def add_arguments(self, parser):
        parser.add_argument("path", help=self.columns_help)

    def summary(self, report) -> str:
        return str(report)

    def handle(self, *args, path, **options):
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {path}: {error}") from None
        try:
            report = self.import_csv(text=text, today=clock.today())
        except ImportFailed as failure:
            for line, message in failure.errors:
                self.stderr.write(f"line {line}: {message}")
            raise CommandError(str(failure)) from None
        self.stdout.write(self.style.SUCCESS(self.summary(report)))

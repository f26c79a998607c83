"""The shape shared by the CSV import commands: read the file, import all or nothing, report each bad row."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from amtportal import clock
from members.services.imports import ImportFailed


class CsvImportCommand(BaseCommand):
    columns_help = "CSV file"

    def add_arguments(self, parser):
        parser.add_argument("path", help=self.columns_help)

    def import_text(self, text: str, today):
        """Import the file's text (a service call); raises ImportFailed listing (line, message) pairs."""
        raise NotImplementedError

    def summary(self, report) -> str:
        return str(report)

    def handle(self, *args, path, **options):
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {path}: {error}") from None
        try:
            report = self.import_text(text, clock.today())
        except ImportFailed as failure:
            for line, message in failure.errors:
                self.stderr.write(f"line {line}: {message}")
            raise CommandError(str(failure)) from None
        self.stdout.write(self.style.SUCCESS(self.summary(report)))

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from amtportal import clock
from ccp.services.online import online_completions_import_csv
from members.services.imports import ImportFailed


class Command(BaseCommand):
    help = (
        "Record completions of the body's online CE from a CSV file, as the learning platform's API does. "
        "Every row or none: bad rows are reported with their line numbers and nothing is recorded; "
        "completions recorded before are counted, not recorded again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path",
            help="CSV file with the header member_number,course_id,title,completed_on,contact_hours "
            "and optionally credential (completed_on as YYYY-MM-DD)",
        )

    def handle(self, *args, path, **options):
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {path}: {error}") from None
        try:
            report = online_completions_import_csv(text=text, today=clock.today())
        except ImportFailed as failure:
            for line, message in failure.errors:
                self.stderr.write(f"line {line}: {message}")
            raise CommandError(str(failure)) from None
        self.stdout.write(self.style.SUCCESS(str(report)))

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from amtportal import clock
from members.services import members_import_csv
from members.services.imports import ImportFailed


class Command(BaseCommand):
    help = (
        "Import newly certified members from the exam system's CSV (one row per certification). "
        "Every row or none: bad rows are reported with their line numbers and nothing is imported."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path",
            help="CSV file with the header member_number,first_name,last_name,email,"
            "credential,certified_on and optionally middle_name,phone,address_line1,"
            "address_line2,city,state,postal_code,country",
        )

    def handle(self, *args, path, **options):
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {path}: {error}") from None
        try:
            report = members_import_csv(text=text, today=clock.today())
        except ImportFailed as failure:
            for line, message in failure.errors:
                self.stderr.write(f"line {line}: {message}")
            raise CommandError(str(failure)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {len(report.members_created)} new member(s) and "
                f"{len(report.certifications_created)} certification(s); invitations queued."
            )
        )

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string

from amtportal.jobs import DAILY_JOBS
from core import clock


class Command(BaseCommand):
    help = "Run the daily jobs by hand, in order, for one business date (the same tasks Celery beat runs)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Business date YYYY-MM-DD (default: today).")
        parser.add_argument("--only", help="Run only the job with this name.")

    def handle(self, *args, date=None, only=None, **options):
        try:
            day = datetime.date.fromisoformat(date) if date else clock.today()
        except ValueError:
            raise CommandError(f"--date {date!r} is not a date (YYYY-MM-DD).") from None
        jobs = [job for job in DAILY_JOBS if only in (None, job.name)]
        if not jobs:
            raise CommandError(f"No daily job is named {only!r}: {', '.join(j.name for j in DAILY_JOBS)}.")
        for job in jobs:
            result = import_string(job.task)(day.isoformat())  # runs in this process
            self.stdout.write(f"{day} {job.name}: {result}")

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string

from amtportal import nightly
from amtportal.jobs import DAILY_JOBS
from amtportal.models import NightlyRun
from amtportal.tasks import chunked_job_in_process
from core import clock


class Command(BaseCommand):
    help = (
        "Run the daily jobs by hand, in order, for one business date (the same tasks Celery beat runs), "
        "recorded with the nightly runs."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Business date YYYY-MM-DD (default: today).")
        parser.add_argument("--only", help="Run only the job with this name.")

    def handle(self, *args, date=None, only=None, **options):
        try:
            day = datetime.date.fromisoformat(date) if date else clock.today()
        except ValueError:
            raise CommandError(f"--date {date!r} is not a date (YYYY-MM-DD).") from None
        if only is not None and only not in {job.name for job in DAILY_JOBS}:
            raise CommandError(f"No daily job is named {only!r}: {', '.join(j.name for j in DAILY_JOBS)}.")
        run = nightly.nightly_run_start(day=day, trigger=NightlyRun.Trigger.BY_HAND, only=only or "")
        for position, job in enumerate(nightly.run_jobs(run)):  # each runs in this process
            if job.chunked:  # the plan, every chunk and the finish in a loop, as the workers would share them
                result = chunked_job_in_process(
                    job=job, day=day.isoformat(), run_id=run.pk, position=position
                )
            else:
                result = nightly.job_run_record(
                    run_id=run.pk,
                    position=position,
                    work=lambda job=job: import_string(job.task)(day.isoformat()),
                )
            self.stdout.write(f"{day} {job.name}: {result}")

"""The nightly run: every daily job in the order of amtportal.jobs.DAILY_JOBS, each after the last ends,
each recorded (amtportal.nightly) so staff see what last night's jobs did."""

from celery import chain, shared_task, signature
from django.utils.module_loading import import_string

from amtportal import nightly
from amtportal.jobs import DAILY_JOBS
from amtportal.models import NightlyRun
from core import clock


def daily_jobs_chain(day: str, run_id: int):
    """The daily jobs for one business date as a Celery chain: a job starts only when the one before it has
    finished (statuses before invoices, notices before the mail batch), however long each takes."""
    return chain(
        *(
            signature("amtportal.tasks.run_job", args=(day, run_id, position), immutable=True)
            for position in range(len(DAILY_JOBS))
        )
    )


@shared_task(name="amtportal.tasks.run_job")
def run_job(day: str, run_id: int, position: int):
    """One daily job of a recorded run, run in this worker (its task called directly)."""
    job = DAILY_JOBS[position]
    return nightly.job_run_record(run_id=run_id, position=position, work=lambda: import_string(job.task)(day))


@shared_task(name="amtportal.tasks.run_daily_jobs")
def run_daily_jobs(day: str | None = None) -> str:
    day = day or clock.today().isoformat()  # fixed when the run starts, so a run past midnight keeps its date
    run = nightly.nightly_run_start(day=clock.business_date(day), trigger=NightlyRun.Trigger.SCHEDULE)
    daily_jobs_chain(day, run.pk).apply_async()
    return day


@shared_task(name="amtportal.tasks.watch_running_jobs")
def watch_running_jobs() -> int:
    """Beat, every few minutes: flag and report a nightly job running far longer than usual (hung, or its
    worker killed)."""
    return nightly.running_jobs_watch()

"""The nightly run: every daily job in the order of amtportal.jobs.DAILY_JOBS, each after the last ends."""

from celery import chain, shared_task, signature

from amtportal.jobs import DAILY_JOBS
from core import clock


def daily_jobs_chain(day: str):
    """The daily jobs for one business date as a Celery chain: a job starts only when the one before it has
    finished (statuses before invoices, notices before the mail batch), however long each takes."""
    return chain(*(signature(job.task, args=(day,), immutable=True) for job in DAILY_JOBS))


@shared_task(name="amtportal.tasks.run_daily_jobs")
def run_daily_jobs(day: str | None = None) -> str:
    day = day or clock.today().isoformat()  # fixed when the run starts, so a run past midnight keeps its date
    daily_jobs_chain(day).apply_async()
    return day

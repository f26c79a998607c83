from amtportal.celery import app
from amtportal.jobs import DAILY_JOBS, DailyJob
from amtportal.tasks import daily_jobs_chain


def test_every_daily_job_is_scheduled_once_in_order_and_is_a_registered_task():
    """Given the daily job list, then beat starts one nightly run whose chain holds each job once, in the
    list's order (a job starts when the previous one has finished), and each is a task the worker knows."""
    app.loader.import_default_modules()
    entries = list(app.conf.beat_schedule.values())

    assert [entry["task"] for entry in entries] == ["amtportal.tasks.run_daily_jobs"]
    run = daily_jobs_chain("2026-01-15")
    assert [task.task for task in run.tasks] == [job.task for job in DAILY_JOBS]
    assert all(task.args == ("2026-01-15",) and task.immutable for task in run.tasks)
    assert all(
        job.task in app.tasks for job in DAILY_JOBS + [DailyJob("nightly", "amtportal.tasks.run_daily_jobs")]
    )


def test_the_nightly_run_runs_every_job_for_its_date(db, seeded):
    """Given in-process tasks (no broker), when the nightly task runs for a date, then each job ran for that
    date: the mail batch of that day exists (the last job that writes a row)."""
    from amtportal.tasks import run_daily_jobs
    from members.models import MailBatch

    app.loader.import_default_modules()  # as a worker does at start: every app's tasks registered
    assert run_daily_jobs("2026-01-15") == "2026-01-15"
    assert MailBatch.objects.filter(day="2026-01-15").exists()

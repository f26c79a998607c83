from amtportal.celery import app
from amtportal.jobs import DAILY_JOBS


def test_every_daily_job_is_scheduled_once_in_order_and_is_a_registered_task():
    """Given the daily job list, then beat schedules each job once, in the list's order, ten minutes apart,
    and each task name is a task the worker knows."""
    app.loader.import_default_modules()
    entries = list(app.conf.beat_schedule.values())

    assert [entry["task"] for entry in entries] == [job.task for job in DAILY_JOBS]
    starts = [sorted(e["schedule"].hour)[0] * 60 + sorted(e["schedule"].minute)[0] for e in entries]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    assert all(job.task in app.tasks for job in DAILY_JOBS)

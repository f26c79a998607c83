"""Celery application and the beat schedule (in code, so it is reviewed like code)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "amtportal.settings")

app = Celery("amtportal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _beat_schedule():
    from celery.schedules import crontab

    # One entry: the daily jobs run as a chain, in the order of amtportal.jobs.DAILY_JOBS, each after the
    # previous one has finished. It expires before the next night, so a worker that was down does not run a
    # stale backlog as well as the new night's run.
    return {
        "daily jobs": {
            "task": "amtportal.tasks.run_daily_jobs",
            "schedule": crontab(hour=2, minute=0),
            "options": {"expires": 20 * 60 * 60},
        },
        # A job that hangs, or whose worker is killed, never ends and so is never flagged by its end: this
        # looks at the running ones every ten minutes and e-mails the administrators once about each.
        "watch running nightly jobs": {
            "task": "amtportal.tasks.watch_running_jobs",
            "schedule": crontab(minute="*/10"),
            "options": {"expires": 9 * 60},
        },
    }


app.conf.beat_schedule = _beat_schedule()

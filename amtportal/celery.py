"""Celery application and the beat schedule (in code, so it is reviewed like code)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "amtportal.settings")

app = Celery("amtportal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _beat_schedule():
    from celery.schedules import crontab

    from amtportal.jobs import DAILY_JOBS

    # The daily jobs run one after another in the night, in the order of DAILY_JOBS; each entry expires
    # before the next day's run so a worker that was down does not run a stale backlog twice.
    return {
        f"daily: {job.name}": {
            "task": job.task,
            "schedule": crontab(hour=2 + (10 * position) // 60, minute=(10 * position) % 60),
            "options": {"expires": 20 * 60 * 60},
        }
        for position, job in enumerate(DAILY_JOBS)
    }


app.conf.beat_schedule = _beat_schedule()

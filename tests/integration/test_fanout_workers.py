"""The whole nightly chain on real Celery worker processes sharing its chunks through Redis, against the
committed test database: with two workers it ends exactly as the in-process run (`run_daily_jobs`), each job
starting after every chunk of the one before; with a worker SIGKILLed while it holds a letters chunk and
another started, the killed chunk is redelivered and the night still ends as a clean run."""

import io
import os
import signal
import time
from collections import Counter
from dataclasses import dataclass
from email import message_from_bytes
from pathlib import Path

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import transaction

from amtportal.jobs import DAILY_JOBS
from amtportal.models import NightlyRun
from core import clock
from members.models import MailBatchPart, Notice
from tests.integration.conftest import wait_for_lock_waiters
from tests.night import make_night, night_state

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

RUN_TIMEOUT = 240  # seconds
SIZES = {"MAIL_BATCH_PART_SIZE": 3, "NIGHTLY_CHUNK_SIZE": 4, "EMAIL_DELIVERY_CHUNK_SIZE": 3}
# Its e-mails may already have left through the delivery tasks the notices step queues: not compared
DELIVERY_JOB = "deliver pending notices"


@dataclass
class Night:
    day: str
    expected: dict  # night_state() of the clean in-process run
    expected_jobs: list[tuple]  # (name, state, rows) of its recorded jobs
    expected_mail: Counter  # (recipient, subject) of the e-mails it sent
    env: dict[str, str]  # the workers' settings
    media: Path
    mail_dir: Path


def recorded_jobs(run: NightlyRun) -> list[tuple]:
    jobs = run.jobs.order_by("position")
    return [(job.name, job.state, None if job.name == DELIVERY_JOB else job.rows) for job in jobs]


@pytest.fixture
def night(seeded, settings, tmp_path, credly_stand_in) -> Night:
    """A body with tonight's invoices, e-mails, letters and an exception, committed; its clean in-process
    run done in a transaction rolled back afterwards (its files in a folder of their own)."""
    for name, value in SIZES.items():
        setattr(settings, name, value)
    day = clock.today().isoformat()
    make_night(clock.today(), 24)
    settings.MEDIA_ROOT = tmp_path / "in-process"
    mail.outbox.clear()
    with transaction.atomic():
        call_command("run_daily_jobs", "--date", day, stdout=io.StringIO())
        run = NightlyRun.objects.get()
        assert run.state == "succeeded"
        expected, expected_jobs = night_state(), recorded_jobs(run)
        expected_mail = Counter((message.to[0], message.subject) for message in mail.outbox)
        transaction.set_rollback(True)
    assert expected["batches"][0]["letters"] >= 10 and len(expected["batches"][0]["parts"]) >= 4
    assert expected["batches"][0]["exceptions"] and sum(expected_mail.values()) >= 10
    media, mail_dir = tmp_path / "workers", tmp_path / "mail"
    settings.MEDIA_ROOT = media  # where the workers write: this process reads their files there
    env = {
        **{name: str(value) for name, value in SIZES.items()},
        "MEDIA_ROOT": str(media),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "CREDLY_API_BASE": settings.CREDLY_API_BASE,
        "CREDLY_ORGANIZATION_ID": settings.CREDLY_ORGANIZATION_ID,
        "CREDLY_TOKEN": settings.CREDLY_TOKEN,
        "CREDENTIAL_SIGNING_KEY_FILE": settings.CREDENTIAL_SIGNING_KEY_FILE,  # written by the in-process run
    }
    return Night(day, expected, expected_jobs, expected_mail, env, media, mail_dir)


def wait_for(condition, what: str, pool, timeout: float = RUN_TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}; worker logs:\n{pool.logs()}")


def finished_run(pool) -> NightlyRun:
    def finished():
        run = NightlyRun.objects.first()
        return run if run is not None and run.state != NightlyRun.State.RUNNING else None

    run = wait_for(finished, "the nightly run to finish", pool)
    assert run.state == "succeeded", pool.logs()
    return run


def sent_emails(mail_dir: Path) -> list:
    """The messages the workers' file backend wrote (one file per connection, messages separated)."""
    messages = []
    for path in sorted(mail_dir.glob("*.log")):
        for raw in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if raw.strip():
                messages.append(message_from_bytes(raw))
    return messages


def assert_ends_as_the_clean_run(night: Night, run: NightlyRun) -> None:
    assert night_state() == night.expected
    assert recorded_jobs(run) == night.expected_jobs
    jobs = list(run.jobs.order_by("position"))
    assert [job.name for job in jobs] == [job.name for job in DAILY_JOBS]
    for before, after in zip(jobs, jobs[1:], strict=False):  # each job after every chunk of the one before
        assert before.finished_at <= after.started_at, (before.name, after.name)
    # Every e-mail that left is an outbox row marked sent, once, with its Message-ID
    messages = sent_emails(night.mail_dir)
    sent = Notice.objects.filter(channel="email", state="sent")
    assert Counter(message["Message-ID"] for message in messages) == Counter(n.message_id for n in sent)
    assert Counter((message["To"], message["Subject"]) for message in messages) == night.expected_mail
    # One print file per part and the manifest: nothing written twice under another name
    day_folder = f"mail-batches/{night.day}"
    parts = MailBatchPart.objects.order_by("number")
    assert sorted(default_storage.listdir(day_folder)[1]) == sorted(
        [Path(part.pdf).name for part in parts] + ["manifest.csv"]
    )


def chunks_run_by(worker) -> int:
    return worker.log().count("Task amtportal.tasks.run_job_chunk[")  # "received" lines


def test_two_workers_share_the_chunks_and_end_as_the_in_process_run(night, celery_workers):
    """Given the body and its clean in-process run, when the nightly task is queued for two worker
    processes, then the night succeeds with every job in order, both workers ran chunks, and the statuses,
    invoices, notices, pages, manifest, e-mails and the jobs' records equal the in-process run's."""
    first, second = celery_workers.start(2, **night.env)

    celery_workers.send("amtportal.tasks.run_daily_jobs", night.day)

    run = finished_run(celery_workers)
    assert_ends_as_the_clean_run(night, run)
    assert chunks_run_by(first) > 0 and chunks_run_by(second) > 0, celery_workers.logs()


def test_a_worker_killed_holding_a_letters_chunk_is_redelivered_and_the_night_ends_clean(
    night, celery_workers
):
    """Given one worker (short visibility timeout), when it is SIGKILLed while it holds the chunk of the
    last letters part (it waits on that part's row, which the test holds), and another worker is started,
    then that chunk is redelivered to it and the night ends exactly as the clean run: no letter, page,
    file or e-mail twice, none missing."""
    redelivery = {"CELERY_VISIBILITY_TIMEOUT": "8", "CELERY_RESTORE_SWEEP_SECONDS": "1"}
    [doomed] = celery_workers.start(1, **night.env, **redelivery)
    celery_workers.send("amtportal.tasks.run_daily_jobs", night.day)
    parts = len(night.expected["batches"][0]["parts"])
    wait_for(lambda: MailBatchPart.objects.count() == parts, "the letters assigned to parts", celery_workers)

    with transaction.atomic():
        held = MailBatchPart.objects.select_for_update(skip_locked=True).filter(number=parts).first()
        assert held is not None and not held.pdf, "the worker reached the last part before the test"
        wait_for_lock_waiters(1)  # the worker is in the last part's chunk, waiting for its row
        os.kill(doomed.process.pid, signal.SIGKILL)
        doomed.process.wait(timeout=10)
    assert MailBatchPart.objects.get(number=parts).pdf == ""  # the killed chunk wrote nothing

    [rescuer] = celery_workers.start(1, **night.env, **redelivery)

    run = finished_run(celery_workers)
    assert_ends_as_the_clean_run(night, run)
    assert chunks_run_by(rescuer) >= 1, celery_workers.logs()

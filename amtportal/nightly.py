"""Recording the nightly run: each run of the daily jobs and each job in it (started, finished, rows
touched, e-mails and letters sent, the error), and flagging a job that failed or ran far longer than usual
to the administrators by e-mail, once."""

import datetime
import logging
import statistics
import traceback
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from amtportal.jobs import DAILY_JOBS, DailyJob
from amtportal.models import JobRun, NightlyRun
from core import clock
from core.permissions import ADMINISTRATOR_ROLE
from members import selectors as member_selectors

logger = logging.getLogger(__name__)

USUAL_RUNS = 30  # the runs a job's usual duration is the median of
SLOW_FACTOR = 3  # "far longer than usual": more than 3x the usual duration...
SLOW_MARGIN_SECONDS = 60  # ...and at least a minute more (a 0.1 s job taking 0.4 s is not news)


def nightly_run_start(*, day: datetime.date, trigger: str, only: str = "") -> NightlyRun:
    return NightlyRun.objects.create(day=day, trigger=trigger, only=only, started_at=clock.now())


def rows_of(result) -> int | None:
    """The rows a job reports: its number, or the sum of the numbers of its summary (a dict)."""
    if isinstance(result, bool):
        return None
    if isinstance(result, int):
        return result
    if isinstance(result, dict):
        numbers = [
            value for value in result.values() if isinstance(value, int) and not isinstance(value, bool)
        ]
        return sum(numbers) if numbers else None
    return None


def usual_seconds(name: str, *, before: datetime.datetime) -> float | None:
    """The median duration of the job's last successful runs before this one (None without history)."""
    finished = JobRun.objects.filter(
        name=name, state=JobRun.State.SUCCEEDED, started_at__lt=before, finished_at__isnull=False
    ).order_by("-started_at")[:USUAL_RUNS]
    durations = [(job.finished_at - job.started_at).total_seconds() for job in finished]
    return statistics.median(durations) if durations else None


def is_slow(seconds: float, usual: float | None) -> bool:
    return usual is not None and seconds > SLOW_FACTOR * usual and seconds - usual >= SLOW_MARGIN_SECONDS


def _job_started(run: NightlyRun, position: int, job: DailyJob) -> JobRun:
    started_at = clock.now()
    job_run, _ = JobRun.objects.update_or_create(
        run=run,
        position=position,
        defaults={
            "name": job.name,
            "state": JobRun.State.RUNNING,
            "started_at": started_at,
            "finished_at": None,
            "error": "",
            "usual_seconds": usual_seconds(job.name, before=started_at),
        },
    )
    return job_run


def _job_finished(job_run: JobRun, *, state: str, result=None, error: str = "") -> JobRun:
    job_run.finished_at = clock.now()
    sent = member_selectors.notices_sent_between(job_run.started_at, job_run.finished_at)
    job_run.emails_sent = sent.get("email", 0)
    job_run.letters_sent = sent.get("letter", 0)
    job_run.state = state
    job_run.result = "" if result is None else str(result)[:2000]
    job_run.rows = rows_of(result)
    job_run.error = error
    job_run.slow = is_slow(job_run.seconds or 0.0, job_run.usual_seconds)
    job_run.save()
    return job_run


def _run_finished(run: NightlyRun, state: str) -> None:
    run.state = state
    run.finished_at = clock.now()
    run.save(update_fields=["state", "finished_at"])


def job_run_record(*, run_id: int, position: int, work: Callable[[], object]):
    """Run the job at `position` of the run, recording it; a failure is recorded, flagged and raised again
    (the chain stops there, as it always did). The last job finishes the run."""
    job_run_begin(run_id=run_id, position=position)
    try:
        result = work()
    except Exception as error:
        job_run_end(run_id=run_id, position=position, error=error)
        raise
    job_run_end(run_id=run_id, position=position, result=result)
    return result


def job_run_begin(*, run_id: int, position: int) -> None:
    """A chunked job's start, recorded when it is planned (its chunks then run on any worker)."""
    run = NightlyRun.objects.get(pk=run_id)
    _job_started(run, position, run_jobs(run)[position])


def job_run_end(
    *, run_id: int, position: int, result=None, rows: int | None = None, error: BaseException | None = None
) -> None:
    """A chunked job's end, recorded by whichever worker ran its finish, or by a chunk that failed: as
    `job_run_record` records a job (flagged and alerted once, the run failed or finished); `rows`: the
    chunks' total when the result itself is not a count."""
    run = NightlyRun.objects.get(pk=run_id)
    job_run = JobRun.objects.get(run=run, position=position)
    if error is not None:
        detail = "".join(traceback.format_exception_only(error)).strip()
        job_run = _job_finished(job_run, state=JobRun.State.FAILED, error=detail)
        _run_finished(run, NightlyRun.State.FAILED)
        job_run_alert(job_run)
        return
    job_run = _job_finished(job_run, state=JobRun.State.SUCCEEDED, result=result)
    if job_run.rows is None and rows is not None:
        job_run.rows = rows
        job_run.save(update_fields=["rows"])
    if job_run.slow:
        job_run_alert(job_run)
    if position == len(run_jobs(run)) - 1:
        _run_finished(run, NightlyRun.State.SUCCEEDED)


def run_jobs(run: NightlyRun) -> list[DailyJob]:
    return [job for job in DAILY_JOBS if run.only in ("", job.name)]


def _administrator_emails() -> list[str]:
    users = get_user_model().objects.filter(is_active=True)
    administrators = users.filter(Q(is_superuser=True) | Q(groups__name=ADMINISTRATOR_ROLE)).distinct()
    return sorted(administrators.values_list("email", flat=True))


def _running_too_long(job_run: JobRun, now: datetime.datetime) -> bool:
    seconds = (now - job_run.started_at).total_seconds()
    if job_run.usual_seconds is None:
        return seconds > settings.NIGHTLY_JOB_STALLED_SECONDS
    return is_slow(seconds, job_run.usual_seconds)


def running_jobs_watch() -> int:
    """Flag and report the jobs still running far longer than usual: a job that hangs, or whose worker was
    killed, never finishes, so it would never be flagged by its own end. Without a usual duration yet, a job
    is flagged once it has run NIGHTLY_JOB_STALLED_SECONDS. Run every few minutes by beat; returns how many
    it flagged now (each is e-mailed once; a job flagged already is left alone)."""
    now = clock.now()
    running = JobRun.objects.filter(state=JobRun.State.RUNNING, slow=False).select_related("run")
    flagged = [job_run for job_run in running if _running_too_long(job_run, now)]
    for job_run in flagged:
        JobRun.objects.filter(pk=job_run.pk, state=JobRun.State.RUNNING).update(slow=True)
        job_run_alert(job_run)
    return len(flagged)


def alert_text(job_run: JobRun) -> tuple[str, str]:
    run = job_run.run
    if job_run.state == JobRun.State.FAILED:
        what = "failed"
    elif job_run.state == JobRun.State.RUNNING:
        what = "is still running, far longer than usual"
    else:
        what = "ran far longer than usual"
    subject = f"Nightly run of {run.day:%B %-d, %Y}: {job_run.name} {what}"
    usually = f" (usually {job_run.usual_seconds:.1f} s)." if job_run.usual_seconds is not None else "."
    started = f"Started {timezone.localtime(job_run.started_at):%Y-%m-%d %H:%M:%S %Z}"
    if job_run.state == JobRun.State.RUNNING:
        running = (clock.now() - job_run.started_at).total_seconds()
        timing = f"{started}, running for {running:.0f} s so far{usually}"
        advice = (
            "It may be stuck, or its worker may have been stopped or killed. Check the workers; if no worker "
            "holds it, run the night again with run_daily_jobs --date (every job is safe to rerun)."
        )
    else:
        timing, advice = f"{started}, took {job_run.seconds:.1f} s{usually}", ""
    lines = [f"The job “{job_run.name}” of the nightly run for {run.day:%B %-d, %Y} {what}.", timing]
    if advice:
        lines.append(advice)
    if job_run.error:
        lines.append(f"Error: {job_run.error}")
    lines.append(f"Last nights' jobs: {settings.PORTAL_BASE_URL.rstrip('/')}/staff/nightly-runs/")
    return subject, "\n\n".join(lines)


def job_run_alert(job_run: JobRun) -> bool:
    """E-mail the administrators about a flagged job, once (the row is locked and stamped). The alert must
    never stop the night: a mail server that fails is logged, the job's own outcome stands."""
    with transaction.atomic():
        locked = JobRun.objects.select_for_update().select_related("run").get(pk=job_run.pk)
        if locked.alerted_at is not None or not locked.flagged:
            return False
        recipients = _administrator_emails()
        if recipients:
            subject, body = alert_text(locked)
            try:
                send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
            except Exception:
                logger.exception("Nightly run: the alert about %r could not be e-mailed.", locked.name)
                return False
        locked.alerted_at = clock.now()
        locked.save(update_fields=["alerted_at"])
    return True

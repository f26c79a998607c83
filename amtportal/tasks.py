"""The nightly run: every daily job in the order of amtportal.jobs.DAILY_JOBS, each after the last ends,
each recorded (amtportal.nightly) so staff see what last night's jobs did.

A chunked job (amtportal.jobs) is planned by its `run_job` task, which then replaces itself with a chord:
its chunks, which any number of worker processes share, and its finish, which runs once every chunk has
finished. Celery moves the rest of the chain behind the finish, so the next job still waits for the whole
of this one. A chunk or a finish that fails records the job and the run as failed (alerting as any job
does) and the chain stops there. Without a broker (eager tasks, `run_daily_jobs`) the same plan, chunks
and finish run in a loop in this process."""

from celery import chain, chord, group, shared_task, signature
from django.utils.module_loading import import_string

from amtportal import nightly
from amtportal.jobs import DAILY_JOBS, DailyJob, chunks_total
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


@shared_task(name="amtportal.tasks.run_job", bind=True)
def run_job(self, day: str, run_id: int, position: int):
    """One daily job of a recorded run: a whole job runs in this worker (its task called directly); a
    chunked one is planned here and fanned out as a chord (in this process when tasks are eager)."""
    job = DAILY_JOBS[position]
    if not job.chunked:
        return nightly.job_run_record(
            run_id=run_id, position=position, work=lambda: import_string(job.task)(day)
        )
    if self.request.is_eager:
        return chunked_job_in_process(job=job, day=day, run_id=run_id, position=position)
    nightly.job_run_begin(run_id=run_id, position=position)
    try:
        plan = job.planned(day)
    except Exception as error:
        nightly.job_run_end(run_id=run_id, position=position, error=error)
        raise
    if not plan.chunks:
        return finish_job([], day, run_id, position, plan.finish)
    chunks = group(run_job_chunk.si(day, run_id, position, arguments) for arguments in plan.chunks)
    return self.replace(chord(chunks, finish_job.s(day, run_id, position, plan.finish)))


@shared_task(name="amtportal.tasks.run_job_chunk")
def run_job_chunk(day: str, run_id: int, position: int, arguments):
    """One chunk of a chunked job, on any worker; redone after a kill (acks late), writing nothing twice."""
    try:
        return DAILY_JOBS[position].run_chunk(day, arguments)
    except Exception as error:
        nightly.job_run_end(run_id=run_id, position=position, error=error)
        raise


@shared_task(name="amtportal.tasks.finish_job")
def finish_job(results: list, day: str, run_id: int, position: int, context: dict):
    """The chord's body: every chunk of the job has finished; its finish runs and the job is recorded."""
    job = DAILY_JOBS[position]
    total = chunks_total(results)
    try:
        result = job.finished(day, total, context)
    except Exception as error:
        nightly.job_run_end(run_id=run_id, position=position, error=error)
        raise
    nightly.job_run_end(run_id=run_id, position=position, result=result, rows=nightly.rows_of(total))
    return result


def chunked_job_in_process(*, job: DailyJob, day: str, run_id: int, position: int):
    """A chunked job without a broker: the same plan, chunks and finish in a loop, recorded the same way."""
    nightly.job_run_begin(run_id=run_id, position=position)
    try:
        plan = job.planned(day)
        total = chunks_total(job.run_chunk(day, arguments) for arguments in plan.chunks)
        result = job.finished(day, total, plan.finish)
    except Exception as error:
        nightly.job_run_end(run_id=run_id, position=position, error=error)
        raise
    nightly.job_run_end(run_id=run_id, position=position, result=result, rows=nightly.rows_of(total))
    return result


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

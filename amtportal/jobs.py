"""The daily jobs in the order they run: Celery beat schedules them, `run_daily_jobs` runs them by hand.

A job is one task (`task`), or is chunked: `plan` (day -> the chunks' JSON arguments: a list, or
{"chunks": [...], "finish": {keyword arguments for the finish}}), `chunk` (day, one chunk's arguments -> a
count or a dict of counts) and an optional `finish` (day, the chunks' total, **what the plan passed -> the
job's result). In the nightly Celery run the chunks of a job are a chord that every worker shares, the next
job starting once all of them and the finish are done; by hand (no broker) the same functions run in a
loop in this process. A chunked job keeps its `task`: the whole job as one call, for anyone who wants that.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.module_loading import import_string


@dataclass(frozen=True)
class JobPlan:
    chunks: list  # one entry of JSON arguments per chunk
    finish: dict = field(default_factory=dict)  # what the plan found that the finish reports


@dataclass(frozen=True)
class DailyJob:
    name: str
    task: str  # dotted path = registered name of a Celery task taking an ISO date (None: today)
    plan: str = ""  # dotted paths of plain functions (see the module's docstring): empty for a whole job
    chunk: str = ""
    finish: str = ""

    @property
    def chunked(self) -> bool:
        return bool(self.plan)

    def planned(self, day: str) -> JobPlan:
        plan = import_string(self.plan)(day)
        if isinstance(plan, dict):
            return JobPlan(chunks=list(plan["chunks"]), finish=dict(plan.get("finish", {})))
        return JobPlan(chunks=list(plan))

    def run_chunk(self, day: str, arguments):
        return import_string(self.chunk)(day, arguments)

    def finished(self, day: str, total, context: dict):
        return import_string(self.finish)(day, total, **context) if self.finish else total


def chunks_total(results: Iterable) -> int | dict:
    """The chunks' counts added up (numbers, or dicts of numbers added key by key; None counts 0)."""
    numbers: int = 0
    counts: dict[str, int] = {}
    for result in results:
        if isinstance(result, dict):
            for key, value in result.items():
                counts[key] = counts.get(key, 0) + value
        else:
            numbers += result or 0
    return counts if counts else numbers


def _chunked(name: str, task: str, *, finish: bool = False) -> DailyJob:
    """A chunked job whose functions sit beside its task: `<task>_plan`, `<task>_chunk`, `<task>_finish`."""
    return DailyJob(name, task, f"{task}_plan", f"{task}_chunk", f"{task}_finish" if finish else "")


DAILY_JOBS: list[DailyJob] = [
    # A card payment whose webhook was lost counts before today's statuses are derived.
    DailyJob("reconcile card payments", "billing.tasks.reconcile_card_payments"),
    # Chunked: a status depends only on its own certification's facts.
    _chunked("update statuses", "members.tasks.refresh_statuses"),
    DailyJob("close cycles of inactive certifications", "ccp.tasks.close_inactive_cycles"),
    DailyJob("roll cycles", "ccp.tasks.roll_cycles"),
    DailyJob("open missing cycles", "ccp.tasks.open_missing_cycles"),
    DailyJob("refresh CCP compliance", "ccp.tasks.refresh_compliance"),
    DailyJob("CCP compliance notices", "ccp.tasks.send_compliance_notices"),
    # A failed audit ends the cycle and voids open fees before invoices are issued and letters printed.
    DailyJob("start and prepare audits", "audits.tasks.start_and_prepare_audits"),
    DailyJob("audit reminders and deadlines", "audits.tasks.audit_reminders_and_deadlines"),
    DailyJob("recertification: paid fees and expiry", "recert.tasks.daily"),
    DailyJob("badges and credentials", "recert.tasks.badges_and_credentials"),
    # Chunked by certification (its invoices depend on it alone; a partial unique constraint per fee year),
    # then by invoice (a step's notice is keyed by invoice, step and channel in the outbox).
    _chunked("issue renewal invoices", "billing.tasks.issue_invoices"),
    _chunked("send renewal notices", "billing.tasks.send_renewal_notices"),
    # Letters assigned to parts in one transaction, then one chunk per part's PDF, then the manifest.
    _chunked("mail batch", "billing.tasks.build_mail_batch", finish=True),
    _chunked("deliver pending notices", "members.tasks.deliver_pending_notices"),
]

"""The daily jobs in the order they run: Celery beat schedules them, `run_daily_jobs` runs them by hand."""

from dataclasses import dataclass


@dataclass(frozen=True)
class DailyJob:
    name: str
    task: str  # dotted path = registered name of a Celery task taking an ISO date (None: today)


DAILY_JOBS: list[DailyJob] = [
    # A card payment whose webhook was lost counts before today's statuses are derived.
    DailyJob("reconcile card payments", "billing.tasks.reconcile_card_payments"),
    DailyJob("update statuses", "members.tasks.refresh_statuses"),
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
    DailyJob("issue renewal invoices", "billing.tasks.issue_invoices"),
    DailyJob("send renewal notices", "billing.tasks.send_renewal_notices"),
    DailyJob("mail batch", "billing.tasks.build_mail_batch"),
    DailyJob("deliver pending notices", "members.tasks.deliver_pending_notices"),
]

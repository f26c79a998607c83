"""Every write of the recertification app. Views, tasks, commands and the demo call these."""

from recert.services.applications import (
    application_answer_exam,
    application_answer_felony,
    application_checkout,
    application_missing,
    application_record_activity,
    application_resubmit,
    application_sign,
    application_start,
    application_submit_paid,
    application_withdraw,
)
from recert.services.badge_jobs import badges_reconcile
from recert.services.badges import (
    badge_give_up,
    badge_issue,
    badge_record,
    badge_retry,
    badge_revoke,
    badges_end,
    badges_follow_status,
)
from recert.services.jobs import applications_expire, applications_submit_paid, recert_daily
from recert.services.moves import application_move, application_reinstate
from recert.services.review import (
    application_approve,
    application_ask_more,
    application_claim,
    application_record_exam,
    application_refuse,
    application_release,
)

__all__ = [
    "application_answer_exam",
    "application_answer_felony",
    "application_approve",
    "application_ask_more",
    "application_checkout",
    "application_claim",
    "application_missing",
    "application_move",
    "application_record_activity",
    "application_record_exam",
    "application_refuse",
    "application_reinstate",
    "application_release",
    "application_resubmit",
    "application_sign",
    "application_start",
    "application_submit_paid",
    "application_withdraw",
    "badge_give_up",
    "badge_issue",
    "badge_record",
    "badge_retry",
    "badge_revoke",
    "badges_end",
    "badges_follow_status",
    "badges_reconcile",
    "applications_expire",
    "applications_submit_paid",
    "recert_daily",
]

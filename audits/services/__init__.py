"""Every write of the audits app. Views, tasks, commands and the demo call these."""

from audits.services.campaigns import CampaignStart, audits_prepare, campaign_start, campaign_verify
from audits.services.jobs import (
    audits_daily,
    audits_fail_overdue,
    audits_send_reminders,
    audits_start_and_prepare,
    campaign_start_scheduled,
)
from audits.services.member import (
    audit_attach_proof,
    audit_record_activity,
    audit_request_extension,
    audit_submit,
    missing_proof,
)
from audits.services.moves import audit_finish, audit_move
from audits.services.review import (
    audit_claim,
    audit_extension_decide,
    audit_finalize,
    audit_item_decide,
    audit_release,
    audit_return_to_member,
)

__all__ = [
    "CampaignStart",
    "audit_attach_proof",
    "audit_claim",
    "audit_extension_decide",
    "audit_finalize",
    "audit_finish",
    "audit_item_decide",
    "audit_move",
    "audit_record_activity",
    "audit_release",
    "audit_request_extension",
    "audit_return_to_member",
    "audit_submit",
    "audits_daily",
    "audits_fail_overdue",
    "audits_prepare",
    "audits_send_reminders",
    "audits_start_and_prepare",
    "campaign_start",
    "campaign_start_scheduled",
    "campaign_verify",
    "missing_proof",
]

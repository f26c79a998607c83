"""Every write of the members app. Views, tasks, commands and later apps call these."""

from members.services.certifications import (
    CcpOutcome,
    certification_create,
    certification_record_audit_failure,
    certification_record_ccp_compliance,
    certification_record_ccp_failure,
    certification_record_paid_through,
    certification_refresh_status,
    certification_reinstate,
    certifications_record_ccp_outcomes,
    certifications_refresh_statuses,
)
from members.services.notices import (
    notice_deliver,
    notice_email_enqueue,
    notice_letter_enqueue,
    notices_deliver_many,
    notices_deliver_pending,
    notices_pending_emails,
)
from members.services.profiles import (
    member_accept_invitation,
    member_create,
    member_fix_mailing_address,
    member_invite,
    member_record_email_change,
    member_update_profile,
)

__all__ = [
    "CcpOutcome",
    "certifications_record_ccp_outcomes",
    "certification_create",
    "certification_record_audit_failure",
    "certification_record_ccp_compliance",
    "certification_record_ccp_failure",
    "certification_record_paid_through",
    "certification_refresh_status",
    "certification_reinstate",
    "certifications_refresh_statuses",
    "member_accept_invitation",
    "member_create",
    "member_invite",
    "member_record_email_change",
    "member_fix_mailing_address",
    "member_update_profile",
    "notice_deliver",
    "notice_email_enqueue",
    "notice_letter_enqueue",
    "notices_deliver_many",
    "notices_deliver_pending",
    "notices_pending_emails",
]

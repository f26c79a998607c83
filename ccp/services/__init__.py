"""Every write of the CCP app. Views, tasks, the API, commands and later apps call these."""

from ccp.services.activities import (
    activity_record,
    activity_record_for_recertification,
    activity_record_in_audited_cycle,
    activity_remove,
    activity_update,
)
from ccp.services.attestations import cycle_attest
from ccp.services.cycles import (
    certification_end_open_cycle,
    certification_report_compliance,
    cycle_open_current,
    cycle_record_audit_result,
    cycles_close_inactive,
    cycles_mark_under_audit,
    cycles_open_missing,
    cycles_refresh_compliance,
    cycles_roll,
)
from ccp.services.documents import activity_attach_document
from ccp.services.enrolment import certification_enrol, certification_reenrol, members_import_csv

__all__ = [
    "activity_attach_document",
    "activity_record",
    "activity_record_for_recertification",
    "activity_record_in_audited_cycle",
    "activity_remove",
    "activity_update",
    "certification_enrol",
    "certification_reenrol",
    "certification_end_open_cycle",
    "certification_report_compliance",
    "cycle_attest",
    "cycle_open_current",
    "cycle_record_audit_result",
    "cycles_close_inactive",
    "cycles_mark_under_audit",
    "cycles_open_missing",
    "cycles_refresh_compliance",
    "cycles_roll",
    "members_import_csv",
]

"""Every state change of an audit goes through `audit_move` (a table of allowed moves in audits.rules, a
row lock, one history row with who or which job and why); the end of an audit (`audit_finish`) reports
the result to the audited cycle and, for a failure, to the certification's status, ending the open cycle
and voiding open annual invoices at once (DOMAIN.md "Leaving Active")."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError

from audits import rules
from audits.models import Audit, AuditEvent, AuditItem
from audits.services import notices
from billing import services as billing_services
from ccp import selectors as ccp_selectors
from ccp import services as ccp_services
from core import clock
from core.formatting import format_date
from members import services as member_services
from members.models import User


def new_event(
    audit: Audit,
    *,
    kind: str,
    today: datetime.date,
    actor: User | None,
    source: str,
    message: str = "",
    item: AuditItem | None = None,
    from_state: str = "",
    to_state: str = "",
    member_visible: bool = True,
) -> AuditEvent:
    return AuditEvent(
        audit=audit,
        item=item,
        kind=kind,
        from_state=from_state,
        to_state=to_state,
        message=message,
        member_visible=member_visible,
        actor=actor,
        source=source,
        effective_on=today,
        at=clock.now(),
    )


def locked_audit(audit: Audit | int) -> Audit:
    pk = audit if isinstance(audit, int) else audit.pk
    return (
        Audit.objects.select_for_update(of=("self",))
        .select_related("certification__credential", "certification__member__user", "cycle", "campaign")
        .get(pk=pk)
    )


def audit_move(
    *,
    audit: Audit,
    to_state: str,
    reason: str,
    today: datetime.date,
    actor: User | None,
    source: str,
) -> Audit:
    """Move a (locked) audit to `to_state` with its history row; staying put is a no-op, a move the table
    does not allow raises ValidationError. The caller holds the transaction."""
    if audit.state == to_state:
        return audit
    if not rules.can_move(audit.state, to_state):
        current, wanted = Audit.State(audit.state).label, Audit.State(to_state).label
        raise ValidationError(f"This audit is {current.lower()}: it can't become {wanted.lower()}.")
    from_state = audit.state
    audit.state = to_state
    audit.waiting_since = clock.now()
    audit.save(update_fields=["state", "waiting_since"])
    new_event(
        audit,
        kind=AuditEvent.Kind.MOVE,
        from_state=from_state,
        to_state=to_state,
        message=reason,
        today=today,
        actor=actor,
        source=source,
    ).save()
    return audit


def accepted_points(audit: Audit, *, today: datetime.date) -> Decimal:
    """The CCP engine over the accepted activities only (caps applied), in the audited cycle's window."""
    accepted = [
        item.activity
        for item in audit.items.select_related("activity").filter(state=AuditItem.State.ACCEPTED)
    ]
    result = ccp_selectors.evaluate(
        window=audit.cycle.window, today=today, required=audit.required_points, activities=accepted
    )
    return result.counted


def audit_finish(
    *,
    audit: Audit,
    passed: bool,
    reason: str,
    decided_on: datetime.date,
    today: datetime.date,
    actor: User | None,
    source: str,
) -> Audit:
    """End a (locked) audit: the outcome, the audited cycle's result, the member told; a failure makes the
    certification Non-compliant (CCP) from `decided_on`, ends its open cycle and voids its open fees."""
    audit = audit_move(
        audit=audit,
        to_state=Audit.State.PASSED if passed else Audit.State.FAILED,
        reason=reason,
        today=today,
        actor=actor,
        source=source,
    )
    audit.decided_on = decided_on
    audit.decided_by = actor
    audit.outcome_reason = reason
    audit.save(update_fields=["decided_on", "decided_by", "outcome_reason"])
    ccp_services.cycle_record_audit_result(cycle_id=audit.cycle_id, passed=passed)
    if not passed:
        certification = member_services.certification_record_audit_failure(
            certification=audit.certification, failed_on=decided_on, today=today, actor=actor, source=source
        )
        ccp_services.certification_end_open_cycle(certification=certification, today=today)
        billing_services.invoices_void_not_active(
            today=today, source=source, certification_id=certification.pk, actor=actor
        )
    notices.cancel_reminders(audit)
    if not audit.passed_by_verified:  # passed at selection: the selection notice says so
        notices.send(notices.outcome_drafts(audit))
    return audit


def check_open(audit: Audit) -> None:
    if not audit.is_open:
        decided = format_date(audit.decided_on or audit.deadline)
        raise ValidationError(
            f"This audit {Audit.State(audit.state).label.lower()} on {decided}: nothing more can change."
        )

"""What audit reviewers do (DOMAIN.md "Annual CCP audit"): claim an audit, decide each activity (accept,
refuse with a reason, ask for more), send it back to the member, decide an extension, and finalize. Every
decision locks the audit and then the activity's row, so two reviewers, or two tabs, cannot both decide."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audits import rules
from audits.models import Audit, AuditEvent, AuditItem, AuditPolicy
from audits.services import notices
from audits.services.moves import (
    accepted_points,
    audit_finish,
    audit_move,
    check_open,
    locked_audit,
    new_event,
)
from core import clock
from core.formatting import format_date, format_date_time
from members.models import User

SOURCE = "audit review"


def _name(user: User | None) -> str:
    return (user.get_full_name() or user.email) if user else "the nightly job"


def audit_claim(*, audit: Audit, user: User, today: datetime.date) -> Audit:
    """Take the audit for review, so that two reviewers don't work on one."""
    with transaction.atomic():
        audit = locked_audit(audit)
        check_open(audit)
        if audit.claimed_by_id == user.pk:
            return audit
        if audit.claimed_by_id is not None:
            raise ValidationError(f"{_name(audit.claimed_by)} is already reviewing this audit.")
        audit.claimed_by, audit.claimed_at = user, clock.now()
        audit.save(update_fields=["claimed_by", "claimed_at"])
        new_event(
            audit, kind=AuditEvent.Kind.CLAIM, message="", today=today,
            actor=user, source=SOURCE, member_visible=False,
        ).save()  # fmt: skip
    return audit


def audit_release(*, audit: Audit, user: User, today: datetime.date) -> Audit:
    """Give the audit back to the queue (only the reviewer holding it)."""
    with transaction.atomic():
        audit = locked_audit(audit)
        if audit.claimed_by_id != user.pk:
            raise ValidationError("Only the reviewer holding this audit can release it.")
        audit.claimed_by, audit.claimed_at = None, None
        audit.save(update_fields=["claimed_by", "claimed_at"])
        new_event(
            audit, kind=AuditEvent.Kind.CLAIM, message="Released to the queue", today=today,
            actor=user, source=SOURCE, member_visible=False,
        ).save()  # fmt: skip
    return audit


def _check_reviewing(audit: Audit, user: User) -> None:
    check_open(audit)
    if audit.claimed_by_id != user.pk:
        holder = f"{_name(audit.claimed_by)} is reviewing it" if audit.claimed_by_id else "nobody holds it"
        raise ValidationError(f"Claim this audit before deciding ({holder}).")
    if audit.state != Audit.State.SUBMITTED:
        raise ValidationError("The member has not submitted this audit: it is waiting on the member.")


DECISIONS = {
    "accept": AuditItem.State.ACCEPTED,
    "refuse": AuditItem.State.REFUSED,
    "more": AuditItem.State.MORE_REQUESTED,
}


def audit_item_decide(
    *, audit: Audit, item_id: int, decision: str, message: str, user: User, today: datetime.date
) -> AuditItem:
    """Accept an activity's proof, refuse it with a reason the member reads, or ask for more."""
    message = (message or "").strip()
    if decision not in DECISIONS:
        raise ValidationError("Choose accept, refuse or ask for more.")
    if decision != "accept" and not message:
        word = "reason" if decision == "refuse" else "message saying what more is needed"
        raise ValidationError({"message": f"Give the member a {word}."})
    with transaction.atomic():
        audit = locked_audit(audit)
        _check_reviewing(audit, user)
        item = (
            AuditItem.objects.select_for_update()
            .filter(audit=audit, pk=item_id)
            .select_related("activity")
            .first()
        )
        if item is None:
            raise ValidationError("This activity is not part of this audit.")
        to_state = DECISIONS[decision]
        if not rules.can_move_item(item.state, to_state):
            if item.verified:  # accepted at preparation, by nobody: no reviewer or time to name
                raise ValidationError(
                    f"“{item.activity.title}” is verified online CE: it was accepted without a document."
                )
            if item.state in AuditItem.DECIDED_STATES or item.state == AuditItem.State.MORE_REQUESTED:
                decided = AuditItem.State(item.state).label.lower()
                raise ValidationError(
                    f"“{item.activity.title}” was already decided: {decided} by {_name(item.decided_by)} "
                    f"at {format_date_time(timezone.localtime(item.decided_at or clock.now()))}."
                )
            raise ValidationError(f"“{item.activity.title}” has no proof to decide on yet.")
        from_state = item.state
        item.state, item.message = to_state, message
        item.decided_by, item.decided_at = user, clock.now()
        item.save(update_fields=["state", "message", "decided_by", "decided_at"])
        new_event(
            audit, kind=AuditEvent.Kind.DECISION, item=item, from_state=from_state, to_state=to_state,
            message=f"“{item.activity.title}”: {AuditItem.State(to_state).label.lower()}"
            + (f": {message}" if message else ""),
            today=today, actor=user, source=SOURCE,
        ).save()  # fmt: skip
    return item


def audit_return_to_member(*, audit: Audit, user: User, today: datetime.date) -> Audit:
    """Send the audit back to the member with what more is asked, and a new deadline (data: 14 days)."""
    with transaction.atomic():
        audit = locked_audit(audit)
        _check_reviewing(audit, user)
        asked = list(audit.items.filter(state=AuditItem.State.MORE_REQUESTED).select_related("activity"))
        if not asked:
            raise ValidationError("Ask for more on at least one activity before sending the audit back.")
        audit.deadline = rules.deadline_after(today, AuditPolicy.current().more_info_days)
        audit.deadline_set_on = today
        audit.more_rounds += 1
        audit.save(update_fields=["deadline", "deadline_set_on", "more_rounds"])
        requests = [f"“{item.activity.title}”: {item.message}" for item in asked]
        audit_move(
            audit=audit, to_state=Audit.State.MORE_REQUESTED,
            reason=f"More asked, due {format_date(audit.deadline)}: " + " ".join(requests),
            today=today, actor=user, source=SOURCE,
        )  # fmt: skip
        notices.send(notices.more_drafts(audit, requests))
    return audit


def audit_extension_decide(
    *, audit: Audit, grant: bool, days: int | None, reason: str, user: User, today: datetime.date
) -> Audit:
    """Grant the member's extension (a new deadline) or deny it (with a reason)."""
    reason = (reason or "").strip()
    with transaction.atomic():
        audit = locked_audit(audit)
        check_open(audit)
        if audit.extension != Audit.Extension.ASKED:
            raise ValidationError("There is no extension request waiting on this audit.")
        maximum = AuditPolicy.current().extension_max_days
        if grant:
            days = days or audit.extension_days
            if not days or not 1 <= days <= maximum:
                raise ValidationError({"days": f"Grant 1 to {maximum} days."})
            audit.deadline += datetime.timedelta(days=days)
            audit.deadline_set_on = today
            notices.cancel_reminders(audit)  # those of the old deadline
            audit.extension_days = days
            message = f"granted, {days} days: new deadline {format_date(audit.deadline)}"
        else:
            if not reason:
                raise ValidationError({"reason": "Give the member the reason the extension is denied."})
            message = f"denied: {reason}"
        audit.extension = Audit.Extension.GRANTED if grant else Audit.Extension.DENIED
        audit.save(update_fields=["deadline", "deadline_set_on", "extension", "extension_days"])
        new_event(
            audit, kind=AuditEvent.Kind.EXTENSION, to_state=audit.extension, message=message,
            today=today, actor=user, source=SOURCE,
        ).save()  # fmt: skip
        notices.send(notices.extension_drafts(audit, decision=f"Extension {message}"))
    return audit


def audit_finalize(*, audit: Audit, user: User, today: datetime.date) -> Audit:
    """Every activity decided: the audit passes if the accepted ones alone reach the required points."""
    with transaction.atomic():
        audit = locked_audit(audit)
        _check_reviewing(audit, user)
        undecided = audit.items.exclude(state__in=AuditItem.DECIDED_STATES).count()
        if undecided:
            raise ValidationError(
                f"{undecided} activit{'y is' if undecided == 1 else 'ies are'} not decided yet: accept or "
                "refuse each (or send the audit back to the member) before finalizing."
            )
        points = accepted_points(audit, today=today)
        outcome = rules.outcome(accepted_points=points, required=audit.required_points)
        audit.accepted_points = points
        audit.save(update_fields=["accepted_points"])
        return audit_finish(
            audit=audit, passed=outcome.passed, reason=outcome.reason, decided_on=today, today=today,
            actor=user, source=SOURCE,
        )  # fmt: skip

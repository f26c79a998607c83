"""What the selected member does (DOMAIN.md "Annual CCP audit"): upload proof per activity, list the
activities behind an attestation, ask once for an extension, and submit. Each checks the audit's state and
deadline under a row lock and writes its timeline row in the same transaction."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from audits import rules
from audits.models import Audit, AuditEvent, AuditItem, AuditPolicy
from audits.services import notices
from audits.services.moves import audit_move, check_open, locked_audit, new_event
from ccp import services as ccp_services
from core.formatting import format_date
from members.models import User

SOURCE = "member"


def _check_waiting_on_member(audit: Audit, today: datetime.date) -> None:
    check_open(audit)
    if not audit.waits_on_member:
        raise ValidationError("Your audit was submitted: it is waiting on the reviewers.")
    if audit.prepared_at is None:
        raise ValidationError("Your audit is being prepared: its activities will be listed shortly.")
    if today > audit.deadline:
        raise ValidationError(f"The deadline of this audit was {format_date(audit.deadline)}.")


def _item(audit: Audit, item_id: int) -> AuditItem:
    item = (
        AuditItem.objects.select_for_update()
        .filter(audit=audit, pk=item_id)
        .select_related("activity")
        .first()
    )
    if item is None:
        raise ValidationError("This activity is not part of your audit.")
    return item


def audit_attach_proof(*, audit: Audit, item_id: int, upload, user: User, today: datetime.date) -> AuditItem:
    """Attach a document (checked by content and size, as CCP documents are) to an activity of the audit;
    the activity's proof is then "uploaded" until a reviewer decides."""
    with transaction.atomic():
        audit = locked_audit(audit)
        _check_waiting_on_member(audit, today)
        item = _item(audit, item_id)
        if item.state in AuditItem.DECIDED_STATES or item.verified:
            label = "verified online CE" if item.verified else AuditItem.State(item.state).label.lower()
            raise ValidationError(f"This activity is {label}: it needs no more proof.")
        document = ccp_services.activity_attach_document(
            activity=item.activity, upload=upload, uploaded_by=user
        )
        from_state = item.state
        item.state = AuditItem.State.UPLOADED
        item.save(update_fields=["state"])
        new_event(
            audit,
            kind=AuditEvent.Kind.UPLOAD,
            item=item,
            from_state=from_state,
            to_state=item.state,
            message=f"{document.original_name} for “{item.activity.title}”",
            today=today,
            actor=user,
            source=SOURCE,
        ).save()
    return item


def audit_record_activity(*, audit: Audit, user: User, today: datetime.date, **fields) -> AuditItem:
    """A member who attested lists an activity behind the attestation, dated inside the audited cycle."""
    with transaction.atomic():
        audit = locked_audit(audit)
        _check_waiting_on_member(audit, today)
        if not hasattr(audit.cycle, "attestation"):
            raise ValidationError(
                "Activities can be added only to an audit of a cycle you attested; this cycle's activities "
                "are already listed."
            )
        activity = ccp_services.activity_record_in_audited_cycle(
            cycle=audit.cycle, today=today, recorded_by=user, **fields
        )
        item = AuditItem.objects.create(audit=audit, activity=activity, added_during_audit=True)
        new_event(
            audit,
            kind=AuditEvent.Kind.ACTIVITY,
            item=item,
            to_state=item.state,
            message=f"“{activity.title}” added behind the attestation",
            today=today,
            actor=user,
            source=SOURCE,
        ).save()
    return item


def audit_request_extension(
    *, audit: Audit, reason: str, days: int, user: User, today: datetime.date
) -> Audit:
    """Ask once for more time, with a reason; the clock keeps running while a reviewer decides."""
    reason = (reason or "").strip()
    maximum = AuditPolicy.current().extension_max_days
    with transaction.atomic():
        audit = locked_audit(audit)
        _check_waiting_on_member(audit, today)
        if audit.extension:
            raise ValidationError("You already asked for an extension: it can be asked once per audit.")
        if not reason:
            raise ValidationError({"reason": "Say why you need more time."})
        if not 1 <= days <= maximum:
            raise ValidationError({"days": f"Ask for 1 to {maximum} days."})
        audit.extension = Audit.Extension.ASKED
        audit.extension_reason = reason
        audit.extension_days = days
        audit.save(update_fields=["extension", "extension_reason", "extension_days"])
        new_event(
            audit,
            kind=AuditEvent.Kind.EXTENSION,
            to_state=Audit.Extension.ASKED,
            message=f"{days} more days asked: {reason}",
            today=today,
            actor=user,
            source=SOURCE,
        ).save()
    return audit


def missing_proof(audit: Audit) -> list[AuditItem]:
    return list(audit.items.filter(state__in=AuditItem.MISSING_PROOF).select_related("activity"))


def audit_submit(*, audit: Audit, user: User, today: datetime.date) -> Audit:
    """Send the audit to the reviewers: every activity has proof (or is verified online CE)."""
    with transaction.atomic():
        audit = locked_audit(audit)
        _check_waiting_on_member(audit, today)
        if not audit.items.exists():
            raise ValidationError(
                "List the activities behind your attestation, with proof, before submitting."
            )
        lacking = missing_proof(audit)
        if lacking:
            titles = "; ".join(f"“{item.activity.title}”" for item in lacking)
            raise ValidationError(f"Upload proof for every activity before submitting. Missing: {titles}.")
        first = audit.state == rules.SELECTED
        audit_move(
            audit=audit,
            to_state=Audit.State.SUBMITTED,
            reason="Submitted for review." if first else "Answered the reviewer and submitted again.",
            today=today,
            actor=user,
            source=SOURCE,
        )
        audit.submitted_on = today
        audit.save(update_fields=["submitted_on"])
        notices.cancel_reminders(audit)
    return audit

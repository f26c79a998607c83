"""Credly badges, one per certification event (DOMAIN.md "Digital badges and proof of certification").

Every write locks the badge row and leaves one BadgeEvent (who or which job, what was asked of Credly and
what it answered). Calls to Credly happen outside a transaction that could lose the fact they were made:
`requested_at` is committed before an issue request goes out, so a retry after an answer that never came
looks the badge up by issuer_earner_id and adopts it instead of issuing a second one. Tasks are queued on
commit (recert.tasks)."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from core import clock
from members.models import Certification, User
from members.rules import Status
from recert import credly
from recert.models import Badge, BadgeEvent, BadgeTemplate

# The statuses that end a certification event for good (Lapsed (fees) only suspends it).
ENDING_STATUSES = (Status.NONCOMPLIANT, Status.MUST_RECERTIFY, Status.EXAM_REQUIRED)
REINSTATED_REASON = "Reinstated under a new anchor date."


def _event(badge: Badge, *, message: str, today: datetime.date, actor: User | None, source: str,
           from_state: str = "", to_state: str = "") -> BadgeEvent:  # fmt: skip
    return BadgeEvent.objects.create(
        badge=badge, from_state=from_state, to_state=to_state, message=message, member_visible=False,
        actor=actor, source=source, effective_on=today, at=clock.now(),
    )  # fmt: skip


def _move(badge: Badge, to_state: str, *, message: str, today, actor, source: str, **fields) -> Badge:
    """Store a locked badge's new state and fields with its timeline row."""
    from_state = badge.state
    badge.state = to_state
    for name, value in fields.items():
        setattr(badge, name, value)
    badge.save(update_fields=["state", "updated_at", *fields])
    _event(badge, message=message, today=today, actor=actor, source=source, from_state=from_state,
           to_state=to_state)  # fmt: skip
    return badge


def _locked(badge_id: int) -> Badge:
    return (
        Badge.objects.select_for_update(of=("self",))
        .select_related("certification__member__user", "certification__credential")
        .get(pk=badge_id)
    )


def _queue(task_name: str, badge_id: int) -> None:
    from recert import tasks  # tasks call these services

    task = getattr(tasks, task_name)
    transaction.on_commit(lambda: task.delay(badge_id))


# --- Events -------------------------------------------------------------------------------------------------


def _end(badge: Badge, *, ended_on: datetime.date, reason: str, actor, source: str) -> None:
    """End a locked event for good and queue the revocation of its Credly badge."""
    badge.ended_on, badge.end_reason = ended_on, reason
    badge.save(update_fields=["ended_on", "end_reason", "updated_at"])
    _event(badge, message=f"Event ended: {reason}", today=ended_on, actor=actor, source=source)
    _queue("revoke_badge", badge.pk)


def badge_record(*, certification: Certification, today: datetime.date, actor: User | None = None,
                 source: str) -> Badge | None:  # fmt: skip
    """The event of an Active certification's current anchor date: recorded once (to issue, its issue
    task queued on commit); events of an earlier anchor end (reinstated). None when not Active."""
    with transaction.atomic():
        certification = Certification.objects.select_for_update().get(pk=certification.pk)
        if certification.status != Status.ACTIVE:
            return None
        anchor = certification.anchor_date
        for earlier in (
            Badge.objects.select_for_update()
            .filter(certification=certification, ended_on__isnull=True)
            .exclude(anchor_date=anchor)
        ):
            _end(earlier, ended_on=today, reason=REINSTATED_REASON, actor=actor, source=source)
        badge, created = Badge.objects.get_or_create(certification=certification, anchor_date=anchor)
        if created:
            kind = "Reinstatement" if badge.is_reinstatement else "Original certification"
            _event(badge, message=f"{kind} of {anchor.isoformat()} recorded.", today=today, actor=actor,
                   source=source, to_state=badge.state)  # fmt: skip
            _queue("issue_badge", badge.pk)
        return badge


def badges_end(*, certification: Certification, today: datetime.date, actor: User | None = None,
               source: str) -> int:  # fmt: skip
    """A certification that became Non-compliant, Must recertify or Exam required: its open events end
    and their badges are revoked (queued). Returns how many ended; other statuses end nothing."""
    if Status(certification.status) not in ENDING_STATUSES:
        return 0
    reason = f"The certification became {Status(certification.status).label}."
    with transaction.atomic():
        open_events = list(
            Badge.objects.select_for_update().filter(certification=certification, ended_on__isnull=True)
        )
        for badge in open_events:
            _end(badge, ended_on=today, reason=reason, actor=actor, source=source)
    return len(open_events)


def badges_follow_status(*, certification_id: int, today: datetime.date, source: str) -> str:
    """What a certification's current status means for its badges: end them, or record its event."""
    certification = Certification.objects.get(pk=certification_id)
    if Status(certification.status) in ENDING_STATUSES:
        return f"ended {badges_end(certification=certification, today=today, source=source)}"
    badge = badge_record(certification=certification, today=today, source=source)
    return "recorded" if badge else "nothing to do"


# --- Issue --------------------------------------------------------------------------------------------------


def _issue_request(badge: Badge) -> credly.IssueRequest:
    certification = badge.certification
    member = certification.member
    template = BadgeTemplate.objects.filter(credential=certification.credential).first()
    if template is None:
        raise ValidationError(f"No Credly badge template is set for {certification.credential.code}.")
    return credly.IssueRequest(
        recipient_email=member.user.email, badge_template_id=template.template_id,
        issued_on=badge.anchor_date, first_name=member.first_name, last_name=member.last_name,
        issuer_earner_id=member.member_number,
    )  # fmt: skip


def _same_event(found: dict, request: credly.IssueRequest) -> bool:
    return (found.get("badge_template") or {}).get("id") == request.badge_template_id and credly.issued_on(
        found
    ) == request.issued_on


def _adopt_lost(badge: Badge, request: credly.IssueRequest, *, today, source: str) -> bool:
    """After a request whose answer never came: the badge Credly made for it, if any, becomes ours."""
    found = [
        item for item in credly.badges_find(issuer_earner_id=request.issuer_earner_id)
        if _same_event(item, request) and item.get("state") != "revoked"
        and not Badge.objects.filter(credly_id=item["id"]).exclude(pk=badge.pk).exists()
    ]  # fmt: skip
    if not found:
        _event(badge, message="Looked up in Credly after a lost answer: not issued yet.", today=today,
               actor=None, source=source)  # fmt: skip
        return False
    _move(badge, Badge.State.ISSUED, message=f"Found in Credly after a lost answer: {found[0]['id']}.",
          today=today, actor=None, source=source, credly_id=found[0]["id"], issued_at=clock.now(),
          last_error="")  # fmt: skip
    return True


def _claim_issue(badge_id: int, *, today, source: str) -> datetime.datetime | None:
    """Commit that a request is about to go out (None: nothing to send, or adopted after a lookup)."""
    with transaction.atomic():
        badge = _locked(badge_id)
        if badge.state != Badge.State.TO_ISSUE or badge.ended_on:
            return None
        try:
            request = _issue_request(badge)
        except ValidationError as error:  # no template: nothing Credly could take until staff add one
            message = f"{error.messages[0]} Add it in the admin (Badge templates), then retry."
            _move(badge, Badge.State.ERROR, message=message, today=today, actor=None, source=source,
                  last_error=message)  # fmt: skip
            return None
        if badge.requested_at and _adopt_lost(badge, request, today=today, source=source):
            return None
        badge.requested_at, badge.attempts = clock.now(), badge.attempts + 1
        badge.save(update_fields=["requested_at", "attempts", "updated_at"])
        _event(badge, message=f"Issue requested (attempt {badge.attempts}).", today=today, actor=None,
               source=source)  # fmt: skip
        return badge.requested_at


def badge_issue(*, badge_id: int, today: datetime.date, source: str) -> Badge:
    """Issue the event's badge through Credly. Raises credly.CredlyUnavailable (the task retries) after
    recording it; a refusal moves the badge to error with Credly's message."""
    try:
        claimed = _claim_issue(badge_id, today=today, source=source)
    except credly.CredlyUnavailable as error:
        _record_unavailable(badge_id, error, today=today, source=source)
        raise
    if claimed is None:
        return Badge.objects.get(pk=badge_id)
    with transaction.atomic():
        badge = _locked(badge_id)
        if badge.requested_at != claimed or badge.state != Badge.State.TO_ISSUE:
            return badge  # another worker took over since: its request stands
        unavailable = _send_issue(badge, today=today, source=source)
    if unavailable:
        _record_unavailable(badge_id, unavailable, today=today, source=source)
        raise unavailable
    return badge


def _send_issue(badge: Badge, *, today, source: str) -> credly.CredlyUnavailable | None:
    """The issue request of a locked, claimed badge and its answer stored; a failure worth retrying is
    returned for the caller to record once this transaction is over."""
    try:
        data = credly.badge_issue(_issue_request(badge))
    except credly.CredlyRejected as error:
        _move(badge, Badge.State.ERROR, message=error.message, today=today, actor=None, source=source,
              last_error=error.message)  # fmt: skip
        return None
    except credly.CredlyUnavailable as error:
        return error
    _move(
        badge, Badge.State.ISSUED, message=f"Issued in Credly: {data['id']}.", today=today, actor=None,
        source=source, credly_id=data["id"], issued_at=clock.now(), last_error="",
    )  # fmt: skip
    return None


def _record_unavailable(badge_id: int, error: credly.CredlyError, *, today, source: str) -> None:
    with transaction.atomic():
        badge = _locked(badge_id)
        badge.last_error = error.message
        badge.save(update_fields=["last_error", "updated_at"])
        _event(badge, message=f"No answer to use: {error.message}", today=today, actor=None, source=source)


def badge_give_up(*, badge_id: int, today: datetime.date, source: str) -> Badge:
    """Retries exhausted: the badge waits in error for staff."""
    with transaction.atomic():
        badge = _locked(badge_id)
        pending = badge.state == Badge.State.TO_ISSUE or (
            badge.state == Badge.State.ISSUED and badge.ended_on
        )
        if not pending:
            return badge
        message = f"Gave up after repeated failures: {badge.last_error}"
        return _move(badge, Badge.State.ERROR, message=message, today=today, actor=None, source=source,
                     last_error=message)  # fmt: skip


# --- Revoke -------------------------------------------------------------------------------------------------


def badge_revoke(*, badge_id: int, today: datetime.date, source: str) -> Badge:
    """Revoke an ended event's Credly badge with its end reason; a badge never issued has nothing to
    revoke (recorded as such, after a lookup if a request went out)."""
    with transaction.atomic():
        badge = _locked(badge_id)
        if not badge.ended_on or badge.state == Badge.State.REVOKED:
            return badge
        if badge.state == Badge.State.ERROR and badge.credly_id:
            return badge  # its revocation was refused: staff retry it
        if not badge.credly_id and badge.requested_at:
            _adopt_lost(badge, _issue_request(badge), today=today, source=source)
        if not badge.credly_id:
            return _move(badge, Badge.State.REVOKED, message="Never issued in Credly: nothing to revoke.",
                         today=today, actor=None, source=source, revoked_at=clock.now())  # fmt: skip
        unavailable = _send_revoke(badge, today=today, source=source)
    if unavailable:
        _record_unavailable(badge_id, unavailable, today=today, source=source)
        raise unavailable
    return badge


def _send_revoke(badge: Badge, *, today, source: str) -> credly.CredlyUnavailable | None:
    try:
        credly.badge_revoke(credly_id=badge.credly_id, reason=badge.end_reason)
    except credly.CredlyRejected as error:
        _move(badge, Badge.State.ERROR, message=error.message, today=today, actor=None, source=source,
              last_error=error.message)  # fmt: skip
        return None
    except credly.CredlyUnavailable as error:
        return error
    _move(
        badge, Badge.State.REVOKED, message=f"Revoked in Credly: {badge.end_reason}", today=today, actor=None,
        source=source, revoked_at=clock.now(), last_error="",
    )  # fmt: skip
    return None


# --- Staff --------------------------------------------------------------------------------------------------


def badge_retry(*, badge: Badge, actor: User, today: datetime.date, source: str) -> Badge:
    """Staff put an errored badge back: to issue (or issued, when only its revocation failed), with its
    task queued; its attempts start again."""
    with transaction.atomic():
        badge = _locked(badge.pk)
        if badge.state != Badge.State.ERROR:
            raise ValidationError(f"This badge is {badge.get_state_display().lower()}: only a badge in error "
                                  "can be retried.")  # fmt: skip
        back_to = Badge.State.ISSUED if badge.credly_id else Badge.State.TO_ISSUE
        _move(badge, back_to, message="Retry asked by staff.", today=today, actor=actor, source=source,
              attempts=0)  # fmt: skip
        _queue("revoke_badge" if badge.ended_on else "issue_badge", badge.pk)
        return badge

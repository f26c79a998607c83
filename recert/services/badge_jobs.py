"""The daily badge reconcile: find by state, in SQL, what the on-event tasks missed (an Active
certification's event never recorded, an event due to end, a badge still to issue or to revoke) and catch
it up. A rerun with nothing to do writes nothing and queues nothing; large catch-ups go in chunks, each its
own transaction."""

import datetime

from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.db.models.functions import Coalesce

from core import clock
from members.models import Certification
from members.rules import Status
from recert.models import Badge, BadgeEvent
from recert.services.badges import ENDING_STATUSES, REINSTATED_REASON, _queue

SOURCE = "daily badge reconcile"

# Each chunk in one statement; the unique constraint (certification, anchor date) makes a concurrent run or
# the on-event task harmless.
_INSERT = """
INSERT INTO {badge} (certification_id, anchor_date, state, credly_id, attempts, last_error, end_reason,
                     created_at, updated_at)
VALUES {rows}
ON CONFLICT (certification_id, anchor_date) DO NOTHING
RETURNING id, anchor_date
"""


def missing_events():
    """(certification id, anchor date) of the Active certifications whose current anchor has no event: one
    anti-join, read as it streams (a first run after an outage may find many)."""
    anchor = Coalesce("reinstated_on", "certified_on")
    recorded = Badge.objects.filter(certification=OuterRef("pk"), anchor_date=OuterRef("anchor"))
    return (
        Certification.objects.filter(status=Status.ACTIVE)
        .annotate(anchor=anchor)
        .filter(~Exists(recorded))
        .order_by()
        .values_list("pk", "anchor")
    )


def _events(rows, *, message, today: datetime.date) -> None:
    now = clock.now()
    BadgeEvent.objects.bulk_create(
        BadgeEvent(badge_id=pk, message=message(pk), member_visible=False, source=SOURCE, effective_on=today,
                   at=now, **states) for pk, states in rows
    )  # fmt: skip


def _record_events(rows: list[tuple[int, datetime.date]], *, today: datetime.date) -> None:
    anchors = dict(rows)
    _events(
        [(pk, {"to_state": Badge.State.TO_ISSUE}) for pk in anchors],
        message=lambda pk: f"Event of {anchors[pk]} recorded (caught up by the daily job).",
        today=today,
    )


def _insert_chunk(pairs: list[tuple[int, datetime.date]], *, today: datetime.date) -> int:
    sql = _INSERT.format(
        badge=Badge._meta.db_table, rows=", ".join(["(%s, %s, %s, '', 0, '', '', %s, %s)"] * len(pairs))
    )
    now = clock.now()
    params = [value for pk, anchor in pairs for value in (pk, anchor, Badge.State.TO_ISSUE, now, now)]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
        _record_events(rows, today=today)
        _end_earlier_anchors([pk for pk, _ in rows], today=today)
    return len(rows)


def badges_create_missing(*, today: datetime.date, chunk_size: int = 1000) -> int:
    # A count first: on a night with nothing to do it is the whole cost (PostgreSQL runs an aggregate in
    # parallel, not a cursor that streams rows).
    if not missing_events().count():
        return 0
    created, pairs = 0, []
    for pair in missing_events().iterator(chunk_size=chunk_size):
        pairs.append(pair)
        if len(pairs) == chunk_size:
            created, pairs = created + _insert_chunk(pairs, today=today), []
    return created + (_insert_chunk(pairs, today=today) if pairs else 0)


def due_to_end():
    """Open events whose certification became Non-compliant, Must recertify or Exam required. (An event
    of an earlier anchor ends when its reinstatement's event is recorded: by `badge_record`, or below when
    the reconcile records it.)"""
    return Badge.objects.filter(
        ended_on__isnull=True, certification__status__in=[status.value for status in ENDING_STATUSES]
    )


def earlier_anchors(certification_ids: list[int]):
    """Open events of these certifications whose anchor is not the current one (reinstated since)."""
    return Badge.objects.filter(ended_on__isnull=True, certification_id__in=certification_ids).exclude(
        anchor_date=Coalesce("certification__reinstated_on", "certification__certified_on")
    )


def _end_chunk(ids: list[int], *, today: datetime.date, due=due_to_end) -> int:
    badges = list(due().filter(pk__in=ids).select_for_update(of=("self",)).select_related("certification"))
    for badge in badges:
        status = badge.certification.status
        badge.ended_on = today
        badge.end_reason = (
            f"The certification became {Status(status).label}."
            if status in ENDING_STATUSES
            else REINSTATED_REASON
        )
    Badge.objects.bulk_update(badges, ["ended_on", "end_reason"])
    reasons = {badge.pk: badge.end_reason for badge in badges}
    _events([(pk, {}) for pk in reasons], message=lambda pk: f"Event ended: {reasons[pk]}", today=today)
    return len(badges)


def _end_earlier_anchors(badge_ids: list[int], *, today: datetime.date) -> None:
    certification_ids = list(
        Badge.objects.filter(pk__in=badge_ids).values_list("certification_id", flat=True)
    )
    earlier = list(earlier_anchors(certification_ids).values_list("pk", flat=True))
    if earlier:
        _end_chunk(earlier, today=today, due=lambda: earlier_anchors(certification_ids))


def badges_end_due(*, today: datetime.date, chunk_size: int = 5000) -> int:
    ids = list(due_to_end().order_by("pk").values_list("pk", flat=True))
    ended = 0
    for start in range(0, len(ids), chunk_size):
        with transaction.atomic():
            ended += _end_chunk(ids[start : start + chunk_size], today=today)
    return ended


def pending_issue():
    return Badge.objects.filter(state=Badge.State.TO_ISSUE, ended_on__isnull=True)


def pending_revocation():
    """Ended events whose Credly badge is not revoked yet (a refused revocation waits for staff)."""
    return (
        Badge.objects.filter(ended_on__isnull=False)
        .exclude(state=Badge.State.REVOKED)
        .exclude(state=Badge.State.ERROR, credly_id__gt="")
    )


def badges_queue_pending() -> dict[str, int]:
    """Queue (on commit) the issue or revocation of every badge waiting for one."""
    to_issue = list(pending_issue().values_list("pk", flat=True))
    to_revoke = list(pending_revocation().values_list("pk", flat=True))
    with transaction.atomic():
        for pk in to_issue:
            _queue("issue_badge", pk)
        for pk in to_revoke:
            _queue("revoke_badge", pk)
    return {"issue queued": len(to_issue), "revoke queued": len(to_revoke)}


def badges_reconcile(*, today: datetime.date, chunk_size: int = 1000) -> dict[str, int]:
    """The daily job (see the module's docstring); returns what it did."""
    return {
        "recorded": badges_create_missing(today=today, chunk_size=chunk_size),
        "ended": badges_end_due(today=today, chunk_size=chunk_size),
        **badges_queue_pending(),
    }

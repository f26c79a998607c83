"""Reads of the audits app: a member's own audits, the reviewers' queue with its counts and filters, one
audit with its activities, documents and timeline, the documents a reviewer may open, and the per-campaign
report. Pages keep a constant number of queries whatever the data."""

import datetime
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count, Prefetch, Q, QuerySet

from audits.models import Audit, AuditCampaign, AuditEvent, AuditItem
from ccp.models import ActivityDocument
from core.worklists import capped_count
from members import selectors as member_selectors

QUEUE_PAGE_SIZE = 25

# The queue's tabs: what each counts (the extension request is a separate axis of an open audit).
QUEUE_STATES = {
    "selected": ("Waiting on member", Q(state=Audit.State.SELECTED)),
    "submitted": ("Waiting on review", Q(state=Audit.State.SUBMITTED)),
    "more_requested": ("More requested", Q(state=Audit.State.MORE_REQUESTED)),
    "extension": ("Extension asked", Q(extension=Audit.Extension.ASKED, state__in=Audit.OPEN_STATES)),
    "passed": ("Passed", Q(state=Audit.State.PASSED)),
    "failed": ("Failed", Q(state=Audit.State.FAILED)),
}


# --- Members ------------------------------------------------------------------------------------------


def member_audits(member) -> QuerySet[Audit]:
    return (
        Audit.objects.filter(certification__member=member)
        .select_related("campaign", "cycle", "certification__credential")
        .order_by("-selected_on", "-id")
    )


def member_audit(*, member, pk: int) -> Audit | None:
    """One of `member`'s own audits; None for anybody else's."""
    return member_audits(member).filter(pk=pk).first()


def open_member_audits(certifications: list, *, today: datetime.date) -> list[Audit]:
    """The dashboard's audit panel for a member's certifications: open audits, and those decided in the
    last 90 days. One query with the audited cycle; the certifications at hand are set on their audits."""
    by_id = {certification.pk: certification for certification in certifications}
    if not by_id:
        return []
    recent = Q(decided_on__gte=today - datetime.timedelta(days=90))
    audits = list(
        Audit.objects.filter(Q(state__in=Audit.OPEN_STATES) | recent, certification_id__in=by_id)
        .select_related("cycle")
        .order_by("-selected_on", "-id")[:5]
    )
    for audit in audits:
        audit.certification = by_id[audit.certification_id]
    return audits


def audit_items(audit: Audit) -> list[AuditItem]:
    """The audit's activities with their category and documents (three queries)."""
    documents = Prefetch("activity__documents", queryset=ActivityDocument.objects.order_by("id"))
    return list(
        audit.items.select_related("activity__category", "decided_by")
        .prefetch_related(documents)
        .order_by("activity__completed_on", "activity__period_start", "id")
    )


def audit_timeline(audit: Audit, *, for_member: bool) -> list[AuditEvent]:
    events = audit.events.select_related("actor", "item__activity").order_by("at", "id")
    return list(events.filter(member_visible=True) if for_member else events)


# --- Reviewers ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilters:
    state: str = "submitted"
    campaign: int | None = None
    credential: str = ""
    due_within: int | None = None
    search: str = ""


def _filtered(filters: QueueFilters, *, today: datetime.date) -> QuerySet[Audit]:
    audits = Audit.objects.all()
    if filters.campaign:
        audits = audits.filter(campaign_id=filters.campaign)
    if filters.credential:
        audits = audits.filter(certification__credential__code=filters.credential)
    if filters.due_within is not None:
        audits = audits.filter(
            state__in=Audit.OPEN_STATES, deadline__lte=today + datetime.timedelta(days=filters.due_within)
        )
    if filters.search.strip():
        audits = audits.filter(
            member_selectors.number_or_name(filters.search, prefix="certification__member__")
        )
    return audits


def queue_counts(filters: QueueFilters, *, today: datetime.date) -> dict[str, int]:
    """Counts per tab under the same filters, each up to COUNT_CAP + 1 (the tab then says "1,000+"), so the
    queue costs the same in the tenth year of audits as in the first: one query per tab."""
    audits = _filtered(filters, today=today)
    return {key: capped_count(audits.filter(condition)) for key, (_, condition) in QUEUE_STATES.items()}


def queue_page(filters: QueueFilters, *, today: datetime.date, page: int | str = 1) -> Page:
    """The chosen tab, oldest first (longest waiting), paginated: two queries per page."""
    condition = QUEUE_STATES.get(filters.state, QUEUE_STATES["submitted"])[1]
    audits = (
        _filtered(filters, today=today)
        .filter(condition)
        .select_related("campaign", "certification__credential", "certification__member", "claimed_by")
        .order_by("waiting_since", "id")
    )
    return Paginator(audits, QUEUE_PAGE_SIZE).get_page(page)


def review_audit(pk: int) -> Audit | None:
    return (
        Audit.objects.select_related(
            "campaign",
            "cycle__attestation",
            "certification__credential",
            "certification__member__user",
            "claimed_by",
            "decided_by",
        )
        .filter(pk=pk)
        .first()
    )


def document_for_reviewer(*, pk: int) -> ActivityDocument | None:
    """A document of an activity that is in an audit (reviewers open nothing else); None otherwise."""
    return (
        ActivityDocument.objects.filter(pk=pk, activity__audit_items__isnull=False)
        .select_related("activity")
        .distinct()
        .first()
    )


def document_for_member_audit(*, member, pk: int) -> ActivityDocument | None:
    return ActivityDocument.objects.filter(pk=pk, activity__certification__member=member).first()


def campaigns() -> QuerySet[AuditCampaign]:
    return AuditCampaign.objects.select_related("started_by").order_by("-year")


# --- Reports ------------------------------------------------------------------------------------------


def campaign_report(campaign: AuditCampaign) -> dict:
    """Counts by state and outcome, overall and by credential (one query each)."""
    states = {key: Count("pk", filter=condition) for key, (_, condition) in QUEUE_STATES.items()}
    overall = campaign.audits.aggregate(
        total=Count("pk"), passed_by_verified=Count("pk", filter=Q(passed_by_verified=True)), **states
    )
    by_credential = list(
        campaign.audits.values("certification__credential__code")
        .annotate(total=Count("pk"), **states)
        .order_by("certification__credential__code")
    )
    return {"overall": overall, "by_credential": by_credential}


def selection_rows(campaign: AuditCampaign):
    """The selection for the CSV export, streamed in rank order."""
    return (
        campaign.audits.select_related(
            "certification__member", "certification__credential", "cycle", "decided_by"
        )
        .order_by("rank")
        .iterator(chunk_size=2000)
    )

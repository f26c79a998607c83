"""Reads of the recertification app: the rules in force on a day, a member's own applications, an
application's window with its activities and the CCP engine's result, the processors' queue and the
documents a processor may open. Pages keep a constant number of queries whatever the data."""

import datetime
from dataclasses import dataclass, field, fields

from django.core.paginator import Page, Paginator
from django.db.models import Prefetch, Q, QuerySet

from billing import selectors as billing_selectors
from billing.models import Invoice
from ccp import rules as ccp_rules
from ccp import selectors as ccp_selectors
from ccp.models import Activity, ActivityDocument
from core.worklists import capped_count
from members import rules as member_rules
from members import selectors as member_selectors
from recert import rules
from recert.models import Application, ApplicationEvent, Badge, BadgeEvent, RecertRule, RmaRoutes

QUEUE_PAGE_SIZE = 25
QUEUE_STATES = {
    "submitted": ("Submitted", Q(state=Application.State.SUBMITTED)),
    "more_requested": ("More asked", Q(state=Application.State.MORE_REQUESTED)),
    "authorized": ("Authorized to test", Q(state=Application.State.AUTHORIZED)),
    "decided": (
        "Decided",
        Q(state__in=[Application.State.REINSTATED, Application.State.REFUSED, Application.State.EXAM_FAILED]),
    ),
    "expired": ("Expired", Q(state=Application.State.EXPIRED)),
}


def rule_in_force(*, credential_id: int, day: datetime.date) -> RecertRule | None:
    return (
        RecertRule.objects.filter(credential_id=credential_id, effective_from__lte=day)
        .select_related("credential")
        .order_by("-effective_from")
        .first()
    )


def rma_routes_in_force(day: datetime.date) -> rules.RouteParameters:
    row = RmaRoutes.objects.filter(effective_from__lte=day).order_by("-effective_from").first()
    if row is None:
        return rules.RouteParameters()
    return rules.RouteParameters(
        **{field.name: getattr(row, field.name) for field in fields(rules.RouteParameters)}
    )


# --- Members ------------------------------------------------------------------------------------------


def _applications() -> QuerySet[Application]:
    return Application.objects.select_related(
        "certification__credential", "certification__member__user", "rule", "claimed_by", "decided_by"
    )


def member_applications(member) -> QuerySet[Application]:
    """The member's applications, newest first (the staff record)."""
    return _applications().filter(certification__member=member).order_by("-started_on", "-id")


def member_application(*, member, pk: int) -> Application | None:
    """One of `member`'s own applications; None for anybody else's."""
    return _applications().filter(certification__member=member, pk=pk).first()


def open_applications_by_certification(member) -> dict[int, Application]:
    """The dashboard: each certification's open application (one query)."""
    applications = Application.objects.filter(
        certification__member=member, state__in=Application.OPEN_STATES
    ).select_related("certification")
    return {application.certification_id: application for application in applications}


def recertifying_applications(certifications: list) -> dict[int, Application]:
    """The dashboard: the open application of each certification whose way back is recertification, keyed
    by certification id. Only those certifications can have one open (an application is for a status that
    is not renewing), so a member whose certifications are all renewing costs no query."""
    recertifying = {
        certification.pk: certification
        for certification in certifications
        if certification.status not in member_rules.RENEWING_STATUSES
    }
    if not recertifying:
        return {}
    applications = Application.objects.filter(
        certification_id__in=recertifying, state__in=Application.OPEN_STATES
    )
    by_certification = {}
    for application in applications:
        application.certification = recertifying[application.certification_id]
        by_certification[application.certification_id] = application
    return by_certification


def application_window(application: Application, today: datetime.date) -> ccp_rules.Window:
    """Frozen at submission; a draft is judged as if applied today."""
    if application.window_start and application.window_end:
        return ccp_rules.Window(application.window_start, application.window_end)
    start, end = rules.ccp_window(today, application.rule.window_years)
    return ccp_rules.Window(start, end)


@dataclass
class Summary:
    """What an application by CCP holds: the window's activities, the engine's result, what is missing."""

    window: ccp_rules.Window
    activities: list[Activity]
    result: ccp_rules.ComplianceResult
    needs_document: list[Activity] = field(default_factory=list)

    @property
    def counted(self) -> list[Activity]:
        return [a for a in self.activities if self.result.activities[a.pk].counts]


def application_summary(application: Application, *, today: datetime.date) -> Summary:
    """The window's activities (with category and documents: three queries) through the CCP engine."""
    window = application_window(application, today)
    activities = list(ccp_selectors.activities_overlapping(application.certification_id, window))
    result = ccp_selectors.evaluate(
        window=window, today=today, required=application.rule.required_points, activities=activities
    )
    needs = [
        activity
        for activity in activities
        if result.activities[activity.pk].counts
        and activity.source != Activity.Source.ONLINE
        and not activity.documents.all()
    ]
    return Summary(window, activities, result, needs)


def application_invoice(application: Application) -> Invoice | None:
    if not application.invoice_number:
        return None
    return billing_selectors.staff_invoice(application.invoice_number)


def application_timeline(application: Application, *, for_member: bool) -> list[ApplicationEvent]:
    events = application.events.select_related("actor").order_by("at", "id")
    return list(events.filter(member_visible=True) if for_member else events)


# --- Processors ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilters:
    state: str = "submitted"
    route: str = ""
    credential: str = ""
    older_than: int | None = None  # days since submission
    search: str = ""


def _filtered(filters: QueueFilters, *, today: datetime.date) -> QuerySet[Application]:
    applications = Application.objects.exclude(
        state__in=[Application.State.DRAFT, Application.State.WITHDRAWN]
    )
    if filters.route:
        applications = applications.filter(route=filters.route)
    if filters.credential:
        applications = applications.filter(certification__credential__code=filters.credential)
    if filters.older_than is not None:
        applications = applications.filter(
            submitted_on__lte=today - datetime.timedelta(days=filters.older_than)
        )
    if filters.search.strip():
        applications = applications.filter(
            member_selectors.number_or_name(filters.search, prefix="certification__member__")
        )
    return applications


def queue_counts(filters: QueueFilters, *, today: datetime.date) -> dict[str, int]:
    """Counts per tab under the same filters, each up to COUNT_CAP + 1 (the tab then says "1,000+"): decided
    applications pile up for ever, and the queue must not slow down with them. One query per tab."""
    applications = _filtered(filters, today=today)
    return {key: capped_count(applications.filter(condition)) for key, (_, condition) in QUEUE_STATES.items()}


def queue_page(filters: QueueFilters, *, today: datetime.date, page: int | str = 1) -> Page:
    condition = QUEUE_STATES.get(filters.state, QUEUE_STATES["submitted"])[1]
    applications = (
        _filtered(filters, today=today)
        .filter(condition)
        .select_related("certification__credential", "certification__member", "claimed_by")
        .order_by("waiting_since", "id")
    )
    return Paginator(applications, QUEUE_PAGE_SIZE).get_page(page)


def review_application(pk: int) -> Application | None:
    return _applications().exclude(state=Application.State.DRAFT).filter(pk=pk).first()


def document_for_processor(*, pk: int) -> ActivityDocument | None:
    """A document of an activity in the window of a submitted application by CCP; None otherwise."""
    document = ActivityDocument.objects.filter(pk=pk).select_related("activity").first()
    if document is None:
        return None
    activity = document.activity
    applications = Application.objects.filter(
        certification_id=activity.certification_id, route=Application.Route.CCP, window_start__isnull=False
    ).exclude(state__in=[Application.State.DRAFT, Application.State.WITHDRAWN])
    for application in applications:
        assert application.window_start and application.window_end  # frozen at checkout
        window = ccp_rules.Window(application.window_start, application.window_end)
        if window.touches(activity.first_day, activity.last_day):
            return document
    return None


# --- Badges (the staff member record) -----------------------------------------------------------------------


def badges_by_certification(*, certification_ids: list[int]) -> dict[int, list]:
    """Each certification's events (oldest first) with their timelines and who acted, for staff pages."""
    badges = (
        Badge.objects.filter(certification_id__in=certification_ids)
        .select_related("certification")
        .prefetch_related(Prefetch("events", queryset=BadgeEvent.objects.select_related("actor")))
        .order_by("certification_id", "anchor_date")
    )
    grouped: dict[int, list] = {pk: [] for pk in certification_ids}
    for badge in badges:
        grouped[badge.certification_id].append(badge)
    return grouped

"""Every state change of an application goes through `application_move` (the table in recert.rules, a row
lock held by the caller, one history row with who or which job and why), and a reinstatement goes through
`application_reinstate`: members' and CCP's services in one transaction."""

import datetime

from django.core.exceptions import ValidationError

from billing import services as billing_services
from ccp import services as ccp_services
from core import clock
from core.formatting import format_date
from members import services as member_services
from members.models import User
from recert import rules
from recert.models import Application, ApplicationEvent
from recert.services import badges, notices


def new_event(application: Application, *, message: str, today, actor, source: str, from_state: str = "",
              to_state: str = "", member_visible: bool = True) -> ApplicationEvent:  # fmt: skip
    return ApplicationEvent(
        application=application,
        from_state=from_state,
        to_state=to_state,
        message=message,
        member_visible=member_visible,
        actor=actor,
        source=source,
        effective_on=today,
        at=clock.now(),
    )


def locked_application(pk: int) -> Application:
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("certification__credential", "certification__member__user", "rule")
        .get(pk=pk)
    )


def application_move(
    *,
    application: Application,
    to_state: str,
    reason: str,
    today: datetime.date,
    actor: User | None,
    source: str,
) -> Application:
    """Move a locked application with its history row; staying put is a no-op, a move the table does not
    allow raises ValidationError."""
    if application.state == to_state:
        return application
    if not rules.can_move(application.state, to_state):
        current = Application.State(application.state).label.lower()
        wanted = Application.State(to_state).label.lower()
        raise ValidationError(f"This application is {current}: it can't become {wanted}.")
    from_state = application.state
    application.state = to_state
    application.waiting_since = clock.now()
    application.save(update_fields=["state", "waiting_since"])
    new_event(
        application, from_state=from_state, to_state=to_state, message=reason, today=today, actor=actor,
        source=source,
    ).save()  # fmt: skip
    return application


def application_reinstate(
    *,
    application: Application,
    reinstated_on: datetime.date,
    today: datetime.date,
    actor: User | None,
    source: str,
) -> Application:
    """Approval by CCP, or a passed exam: reinstated on that date (the new anchor), Active with a history
    row, the new anchor's first cycle open, its fee year covered, old open annual invoices voided."""
    application = application_move(
        application=application,
        to_state=Application.State.REINSTATED,
        reason=f"Approved: reinstated from {format_date(reinstated_on)}.",
        today=today,
        actor=actor,
        source=source,
    )
    # A cycle of the old anchor still open (the nightly job did not end it yet) would stand in for the new
    # anchor's first cycle: it ends now, as the job would have ended it.
    ccp_services.certification_end_open_cycle(certification=application.certification, today=today)
    certification = ccp_services.certification_reenrol(
        certification=application.certification, reinstated_on=reinstated_on, actor=actor, source=source
    )
    billing_services.invoices_void_open_annual(
        certification_id=certification.pk, reason="reinstated", today=today, actor=actor, source=source
    )
    if reinstated_on < today:  # a pass recorded later: the status as of today
        member_services.certification_refresh_status(
            certification=certification, today=today, actor=actor, source=source
        )
    application.reinstated_on = reinstated_on
    application.decided_on = today
    application.decided_by = actor
    application.save(update_fields=["reinstated_on", "decided_on", "decided_by"])
    # The reinstatement is a new certification event: its badge is recorded (issued on commit) and the
    # earlier anchor's event ends.
    badges.badge_record(certification=certification, today=today, actor=actor, source=source)
    notices.send_reinstated(application)
    return application

"""What recertification processors do: claim an application, ask for more (back to the member), approve (by
CCP: reinstated now; by exam: authorized to test), refuse with a reason, and record the exam result. Each
decision locks the application first, so two processors, or a decision and the expiry job, get one outcome."""

import datetime
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction

from core import clock
from core.formatting import format_date
from members.models import User
from recert.models import Application
from recert.services import notices
from recert.services.moves import application_move, application_reinstate, locked_application, new_event

SOURCE = "recertification review"


def _name(user: User | None) -> str:
    return (user.get_full_name() or user.email) if user else "nobody"


def _check_open(application: Application) -> None:
    if application.state not in Application.UNDECIDED_STATES:
        raise ValidationError(
            f"This application is {application.get_state_display().lower()}: it can't be decided again."
        )


def _check_holding(application: Application, user: User) -> None:
    _check_open(application)
    if application.claimed_by_id != user.pk:
        holder = (
            f"{_name(application.claimed_by)} holds it" if application.claimed_by_id else "nobody holds it"
        )
        raise ValidationError(f"Claim this application before deciding ({holder}).")


def application_claim(*, application: Application, user: User, today: datetime.date) -> Application:
    with transaction.atomic():
        application = locked_application(application.pk)
        _check_open(application)
        if application.claimed_by_id == user.pk:
            return application
        if application.claimed_by_id is not None:
            raise ValidationError(f"{_name(application.claimed_by)} is already processing this application.")
        application.claimed_by, application.claimed_at = user, clock.now()
        application.save(update_fields=["claimed_by", "claimed_at"])
        new_event(application, message="Claimed for processing", today=today, actor=user, source=SOURCE,
                  member_visible=False).save()  # fmt: skip
    return application


def application_release(*, application: Application, user: User, today: datetime.date) -> Application:
    with transaction.atomic():
        application = locked_application(application.pk)
        if application.claimed_by_id != user.pk:
            raise ValidationError("Only the processor holding this application can release it.")
        application.claimed_by, application.claimed_at = None, None
        application.save(update_fields=["claimed_by", "claimed_at"])
        new_event(application, message="Released to the queue", today=today, actor=user, source=SOURCE,
                  member_visible=False).save()  # fmt: skip
    return application


def application_ask_more(
    *, application: Application, reason: str, user: User, today: datetime.date
) -> Application:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say what more the member must provide."})
    with transaction.atomic():
        application = locked_application(application.pk)
        _check_holding(application, user)
        if application.state != Application.State.SUBMITTED:
            raise ValidationError("Only a submitted application can be sent back to the member.")
        application.more_rounds += 1
        application.save(update_fields=["more_rounds"])
        application_move(application=application, to_state=Application.State.MORE_REQUESTED,
                         reason=f"More asked: {reason}", today=today, actor=user, source=SOURCE)  # fmt: skip
        notices.send_more(application, reason)
    return application


def _authorization_number(application: Application, today: datetime.date) -> str:
    code = application.certification.credential.code
    return f"{code}-{today:%Y}-{secrets.randbelow(10**8):08d}"


def application_approve(*, application: Application, user: User, today: datetime.date) -> Application:
    """By CCP: reinstated today. By exam: authorized to test (a number, valid for the rules' days)."""
    with transaction.atomic():
        application = locked_application(application.pk)
        _check_holding(application, user)
        if application.state != Application.State.SUBMITTED:
            raise ValidationError(
                "Only a submitted application can be approved (the member was asked for more)."
            )
        if application.route == Application.Route.CCP:
            return application_reinstate(
                application=application, reinstated_on=today, today=today, actor=user, source=SOURCE
            )
        application.authorization_number = _authorization_number(application, today)
        application.authorized_on = today
        application.authorization_expires_on = today + datetime.timedelta(
            days=application.rule.authorization_days
        )
        # Approved late in its 6 months, it stays open while the authorization runs (no expiry before it).
        application.expires_on = max(application.expires_on or today, application.authorization_expires_on)
        application.save(
            update_fields=["authorization_number", "authorized_on", "authorization_expires_on", "expires_on"]
        )
        application_move(
            application=application, to_state=Application.State.AUTHORIZED,
            reason=f"Authorized to test: {application.authorization_number}, valid until "
            f"{format_date(application.authorization_expires_on)}.",
            today=today, actor=user, source=SOURCE,
        )  # fmt: skip
        notices.send_authorized(application)
    return application


def application_refuse(
    *, application: Application, reason: str, user: User, today: datetime.date
) -> Application:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give the member the reason for the refusal."})
    with transaction.atomic():
        application = locked_application(application.pk)
        _check_holding(application, user)
        if application.state == Application.State.AUTHORIZED:
            raise ValidationError("The member is authorized to test: record the exam result instead.")
        application.decided_on, application.decided_by, application.decision_reason = today, user, reason
        application.save(update_fields=["decided_on", "decided_by", "decision_reason"])
        application_move(
            application=application, to_state=Application.State.REFUSED, reason=f"Refused: {reason}",
            today=today, actor=user, source=SOURCE,
        )  # fmt: skip
        notices.send_refused(application)
    return application


def application_record_exam(
    *, application: Application, passed: bool, exam_date: datetime.date, user: User, today: datetime.date
) -> Application:
    """A pass reinstates from the exam date; a fail closes the application (the member may apply again)."""
    with transaction.atomic():
        application = locked_application(application.pk)
        _check_holding(application, user)
        if application.state != Application.State.AUTHORIZED:
            raise ValidationError("An exam result is recorded only for a member authorized to test.")
        assert application.authorized_on and application.authorization_expires_on
        last = min(today, application.authorization_expires_on)
        if not application.authorized_on <= exam_date <= last:
            raise ValidationError(
                {"exam_date": f"The exam date must be between {format_date(application.authorized_on)} (the "
                 f"authorization) and {format_date(last)}."}
            )  # fmt: skip
        if passed:
            application.exam_passed_on = exam_date
            application.save(update_fields=["exam_passed_on"])
            return application_reinstate(
                application=application, reinstated_on=exam_date, today=today, actor=user, source=SOURCE
            )
        application.decided_on, application.decided_by = today, user
        application.decision_reason = f"Exam failed on {format_date(exam_date)}."
        application.save(update_fields=["decided_on", "decided_by", "decision_reason"])
        application_move(
            application=application, to_state=Application.State.EXAM_FAILED,
            reason=application.decision_reason, today=today, actor=user, source=SOURCE,
        )  # fmt: skip
        notices.send_exam_failed(application)
    return application

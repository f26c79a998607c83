"""The recertification part of the demo, through the recert services: the steps of an application its member
takes (start by a route, record the window's activities, answer the felony question, sign, answer the exam's
eligibility questions, check out) and the processor's (claim, then approve, ask for more or refuse), and the
submission once the fee is paid (what the task billing queues on payment does); plus the lines the command
prints about them. The proof goes through the CCP demo, the fee through the billing demo
(amtportal/demo/recert_plan.py says who does what, when)."""

import datetime
from decimal import Decimal

from django.core.management.base import CommandError
from django.urls import reverse

from amtportal.demo.plan import Step
from billing.models import Invoice
from ccp.models import Activity, ActivityCategory
from core.links import absolute_url
from members.models import Certification, Member, User
from members.rules import RECERTIFICATION_REQUIRED_STATUSES
from recert import services
from recert.models import Application

PAID_SOURCE = "fee paid"  # the source the paid-fee task (recert.tasks.application_paid) writes


def _application(certification: Certification, step: Step) -> Application:
    application = Application.objects.filter(certification=certification).order_by("-pk").first()
    if application is None:
        raise CommandError(f"Demo plan error: {certification} has no application for {step}.")
    return application


def _reread(certification: Certification) -> Certification:
    return Certification.objects.get(pk=certification.pk)


# --- The member's steps (amtportal.demo.replay.STEPS) ---------------------------------------------------


def start(member: Member, certification: Certification, step: Step) -> Certification:
    services.application_start(
        certification=certification, route=step.recert.route, today=step.on, user=member.user
    )
    return certification


def record_activity(member: Member, certification: Certification, step: Step) -> Certification:
    """An activity of the window recorded for the application (its proof: the CCP demo's "proof" step)."""
    claim = step.claim
    services.application_record_activity(
        application=_application(certification, step),
        user=member.user,
        today=step.on,
        category=ActivityCategory.objects.get(code=claim.category),
        title=claim.title,
        provider=claim.provider,
        completed_on=claim.completed_on or step.on,
        quantity=Decimal(claim.quantity),
        quantity_unit=Activity.QuantityUnit.UNIT,
        helps_job=True,
        advances_knowledge=True,
    )
    return certification


def answer_felony(member: Member, certification: Certification, step: Step) -> Certification:
    felony = step.recert.felony if step.recert else None
    details = {}
    if felony:
        names = ("felony_date", "felony_nature", "felony_authority", "felony_outcome")
        details = dict(zip(names, felony, strict=True))
    services.application_answer_felony(
        application=_application(certification, step),
        felony=bool(felony),
        user=member.user,
        today=step.on,
        **details,
    )
    return certification


def sign(member: Member, certification: Certification, step: Step) -> Certification:
    services.application_sign(
        application=_application(certification, step),
        signed_name=member.full_name,
        user=member.user,
        today=step.on,
    )
    return certification


def answer_exam(member: Member, certification: Certification, step: Step) -> Certification:
    services.application_answer_exam(
        application=_application(certification, step),
        answers=dict(step.recert.answers),
        user=member.user,
        today=step.on,
    )
    return certification


def checkout(member: Member, certification: Certification, step: Step) -> Certification:
    """Complete: the application date, its rules and window frozen, the fee issued (paid by the billing
    demo's "recert_fee_paid" step)."""
    services.application_checkout(
        application=_application(certification, step), user=member.user, today=step.on
    )
    return certification


def submit_paid(member: Member, certification: Certification, step: Step) -> Certification:
    """What the task billing queues once the fee is paid does, on the day it was paid."""
    application = _application(certification, step)
    services.application_submit_paid(
        invoice_number=application.invoice_number, today=step.on, source=PAID_SOURCE
    )
    if Application.objects.get(pk=application.pk).state != Application.State.SUBMITTED:
        raise CommandError(f"Demo plan error: {application} was not submitted on {step.on} (fee unpaid?).")
    return certification


# --- The processor's steps ------------------------------------------------------------------------------


def review(member: Member, certification: Certification, step: Step) -> Certification:
    """The processor claims the application, then decides (step.recert.decision)."""
    application = _application(certification, step)
    processor = User.objects.get(email=step.actor)
    act, today = step.recert, step.on
    application = services.application_claim(application=application, user=processor, today=today)
    if act.decision == "approve":
        services.application_approve(application=application, user=processor, today=today)
    elif act.decision == "more":
        services.application_ask_more(application=application, reason=act.reason, user=processor, today=today)
    elif act.decision == "refuse":
        services.application_refuse(application=application, reason=act.reason, user=processor, today=today)
    elif act.decision:
        raise CommandError(f"Demo plan error: unknown recertification decision {act.decision!r}.")
    return _reread(certification)


# --- What the command prints ------------------------------------------------------------------------


def summary(today: datetime.date) -> list[str]:
    """Each application, by member number, with what its page shows; then the certifications that may
    apply (the dashboard's Apply link), and where the public RMA eligibility assistant is."""
    applications = list(
        Application.objects.select_related("certification__member__user", "certification__credential")
        .filter(certification__member__member_number__startswith="D")
        .order_by("certification__member__member_number", "pk")
    )
    lines = [
        _line(application.certification, application_text(application, today)) for application in applications
    ]
    with_open = {a.certification_id for a in applications if a.is_open}
    waiting = (
        Certification.objects.filter(
            status__in=RECERTIFICATION_REQUIRED_STATUSES, member__member_number__startswith="D"
        )
        .exclude(pk__in=with_open)
        .select_related("member__user", "credential")
        .order_by("member__member_number", "credential__code")
    )
    if waiting:
        lines.append("No open application (the dashboard's link: Apply to recertify):")
    for certification in waiting:
        route = "by exam only" if certification.status == "exam_required" else "by CCP points or by exam"
        text = f"{certification.status_enum.label} since {certification.lapse_date}: {route}"
        if certification.credential.code == "RMA" and certification.status == "exam_required":
            text += "; try the RMA eligibility assistant first"
        lines.append("  " + _line(certification, text))
    lines.append(f"RMA eligibility assistant (public): {absolute_url(reverse('recert:rma_assistant'))}")
    return lines


def _line(certification: Certification, text: str) -> str:
    member = certification.member
    return f"{member.user.email:<28} {member.member_number} {certification.credential.code:<5} {text}"


def application_text(application: Application, today: datetime.date) -> str:
    """The application's state in a few words, with its dates (the same on every run of the same day)."""
    route = application.route_words
    state = application.State
    if application.state == state.DRAFT:
        missing = services.application_missing(application, today=today)
        text = f"Draft {route}, started {application.started_on}"
        return text + (f"; still missing: {'; '.join(missing)}" if missing else "; ready to pay")
    if application.state == state.SUBMITTED:
        return f"Submitted {route} on {application.submitted_on}, waiting on review (unclaimed)"
    if application.state == state.MORE_REQUESTED:
        asked = application.events.filter(to_state=state.MORE_REQUESTED).order_by("at", "id").last()
        reason = asked.message.removeprefix("More asked: ")
        return f"More asked on {asked.effective_on}, waiting on the member: {reason}"
    if application.state == state.AUTHORIZED:
        return (
            f"Authorized to test {route}: number {application.authorization_number}, valid until "
            f"{application.authorization_expires_on}"
        )
    if application.state == state.REINSTATED:
        voided = Invoice.objects.filter(
            certification=application.certification,
            kind=Invoice.Kind.ANNUAL,
            state=Invoice.State.VOID,
            state_reason="reinstated",
        ).count()
        return (
            f"Approved {route} on {application.decided_on}: reinstated from {application.reinstated_on} "
            f'(the new anchor date), Active; {voided} old annual invoice(s) voided "reinstated"'
        )
    return f"{application.get_state_display()} on {application.decided_on}: {application.decision_reason}"

"""What the member does (DOMAIN.md "Recertification"): start an application by the route the rules allow,
record the window's activities, answer the felony question, sign, answer the exam eligibility questions,
pay the fee (the application is submitted when paid), answer a request for more, or withdraw a draft."""

import datetime
from dataclasses import asdict

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from billing import services as billing_services
from billing.models import Invoice
from ccp import services as ccp_services
from core import clock
from core.formatting import format_date, format_points
from core.money import format_cents
from members.models import Certification, User
from members.rules import Status
from recert import rules, selectors
from recert.models import Application
from recert.services import notices
from recert.services.moves import application_move, locked_application, new_event

SOURCE = "member"


def _why_not(certification: Certification) -> str:
    if certification.status == Status.ACTIVE:
        return f"Your {certification.credential.code} certification is Active: there is nothing to recertify."
    if certification.status == Status.LAPSED:
        return (
            f"Your {certification.credential.code} certification is Lapsed (fees): pay the unpaid annual "
            "fees to become Active again; recertification is not needed."
        )
    return "This certification cannot be recertified."


def application_start(
    *, certification: Certification, route: str, today: datetime.date, user: User
) -> Application:
    """A draft by `route`, if the certification's status calls for recertification and the rules in force
    today allow that route (by CCP: lapsed less than the gate's 10 years)."""
    with transaction.atomic():
        certification = (
            Certification.objects.select_for_update(of=("self",))
            .select_related("credential")
            .get(pk=certification.pk)
        )
        if certification.status not in rules.RECERTIFIABLE:
            raise ValidationError(_why_not(certification))
        if route not in Application.Route.values:
            raise ValidationError("Choose by CCP points or by exam.")
        if Application.objects.filter(
            certification=certification, state__in=Application.OPEN_STATES
        ).exists():
            raise ValidationError(
                "You already have an open application for your "
                f"{certification.credential.code} certification."
            )
        rule = selectors.rule_in_force(credential_id=certification.credential_id, day=today)
        if rule is None:
            raise ValidationError("No recertification rules are in force for this credential: contact us.")
        lapse_date = certification.lapse_date or today
        decision = rules.route_decision(
            lapse_date=lapse_date, applied_on=today, gate_years=rule.exam_gate_years
        )
        if route == Application.Route.CCP and not decision.ccp_allowed:
            raise ValidationError(decision.reason)
        try:
            with transaction.atomic():
                application = Application.objects.create(
                    certification=certification,
                    route=route,
                    started_on=today,
                    lapse_date=lapse_date,
                    route_reason=decision.reason,
                    rule=rule,
                    waiting_since=clock.now(),
                )
        except IntegrityError:
            raise ValidationError("You already have an open application for this certification.") from None
        started = f"Started {application.route_words}. {decision.reason}"
        new_event(
            application, to_state=application.state, message=started, today=today, actor=user, source=SOURCE
        ).save()
    return application


def _check_editable(application: Application) -> None:
    if not application.waits_on_member:
        raise ValidationError(
            f"This application is {application.get_state_display().lower()}: it can no longer be changed."
        )
    if application.state == Application.State.DRAFT and application.invoice_number:
        invoice = selectors.application_invoice(application)
        if invoice and invoice.state == Invoice.State.PAID:
            raise ValidationError("The fee is paid: the application is being submitted.")


def application_record_activity(*, application: Application, user: User, today: datetime.date, **fields):
    """An activity for an application by CCP, dated inside its window."""
    with transaction.atomic():
        application = locked_application(application.pk)
        _check_editable(application)
        if application.route != Application.Route.CCP:
            raise ValidationError("Activities belong to an application by CCP points.")
        window = selectors.application_window(application, today)
        activity = ccp_services.activity_record_for_recertification(
            certification=application.certification, window=window, today=today, recorded_by=user, **fields
        )
        new_event(application, message=f"Activity “{activity.title}” recorded.", today=today, actor=user,
                  source=SOURCE).save()  # fmt: skip
    return activity


FELONY_FIELDS = ("felony_date", "felony_nature", "felony_authority", "felony_outcome")


def application_answer_felony(
    *, application: Application, felony: bool, user: User, today: datetime.date, **details
) -> Application:
    """Any felony conviction or professional disciplinary action; if yes: date, nature, court or authority,
    outcome (all four)."""
    values = {name: details.get(name) or ("" if name != "felony_date" else None) for name in FELONY_FIELDS}
    if felony:
        missing = [name for name in FELONY_FIELDS if not values[name]]
        if missing:
            raise ValidationError(dict.fromkeys(missing, "Answer this, since you answered yes."))
        felony_date = values["felony_date"]
        if isinstance(felony_date, datetime.date) and felony_date > today:
            raise ValidationError({"felony_date": "The date can't be in the future."})
    else:
        values = {"felony_date": None, "felony_nature": "", "felony_authority": "", "felony_outcome": ""}
    with transaction.atomic():
        application = locked_application(application.pk)
        _check_editable(application)
        application.felony = felony
        for name, value in values.items():
            setattr(application, name, value)
        application.save(update_fields=["felony", *FELONY_FIELDS])
    return application


def application_sign(
    *, application: Application, signed_name: str, user: User, today: datetime.date
) -> Application:
    with transaction.atomic():
        application = locked_application(application.pk)
        _check_editable(application)
        member = application.certification.member
        if not member.signs_as(signed_name):
            raise ValidationError(
                {"signed_name": f"Type your full legal name as on your certification: {member.full_name}."}
            )
        application.signed_name = " ".join(signed_name.split())
        application.signed_at = clock.now()
        application.save(update_fields=["signed_name", "signed_at"])
    return application


def application_answer_exam(
    *, application: Application, answers: dict, user: User, today: datetime.date
) -> Application:
    """The exam route's eligibility: for an RMA the assistant's routes (the first route eligible is kept;
    none: refused with every route's reason); for other credentials, the credential's question."""
    with transaction.atomic():
        application = locked_application(application.pk)
        _check_editable(application)
        if application.route != Application.Route.EXAM:
            raise ValidationError("Eligibility answers belong to an application by exam.")
        if application.certification.credential.code == "RMA":
            facts = rules.Answers(**answers)
            verdicts = rules.rma_eligibility(facts, today=today, p=selectors.rma_routes_in_force(today))
            best = rules.best_route(verdicts)
            if best is None:
                raise ValidationError(
                    ["You are not eligible to take the RMA exam by any route:"]
                    + [verdict.summary for verdict in verdicts]
                )
            application.exam_route, application.exam_route_reason = best.route, best.summary
            application.eligibility_answers = {
                key: value.isoformat() if isinstance(value, datetime.date) else value
                for key, value in asdict(facts).items()
            }
        else:
            if not answers.get("meets_requirement"):
                raise ValidationError(
                    "You answered that you do not meet the exam's eligibility requirement, so you can't "
                    "apply "
                    "by exam yet."
                )
            application.exam_route = "credential"
            application.exam_route_reason = application.rule.exam_route_question
            application.eligibility_answers = {
                "question": application.rule.exam_route_question,
                "answer": "yes",
                "details": (answers.get("details") or "").strip(),
            }
        application.save(update_fields=["exam_route", "exam_route_reason", "eligibility_answers"])
    return application


def application_missing(application: Application, *, today: datetime.date) -> list[str]:
    """What stops the application from being sent, in words (the page lists them)."""
    missing = []
    if application.route == Application.Route.CCP:
        summary = selectors.application_summary(application, today=today)
        if summary.result.missing:
            missing.append(
                f"{format_points(summary.result.missing, decimals='significant')} more CCP points earned "
                "between "
                f"{format_date(summary.window.start)} and {format_date(summary.window.end)} "
                f"({format_points(summary.result.counted, decimals='significant')} of "
                f"{format_points(summary.result.required, decimals='significant')} count so far)"
            )
        missing += [f"a document for “{activity.title}”" for activity in summary.needs_document]
        if application.felony is None:
            missing.append("your answer to the felony and disciplinary question")
        if not application.signed_name:
            missing.append("your signed attestation")
    elif not application.exam_route:
        missing.append("your answers to the exam eligibility questions")
    return missing


def _snapshot(application: Application, today: datetime.date) -> dict:
    rule = application.rule
    snapshot = {
        "rule_id": rule.pk,
        "credential": application.certification.credential.code,
        "effective_from": rule.effective_from.isoformat(),
        "required_points": str(rule.required_points),
        "window_years": rule.window_years,
        "exam_gate_years": rule.exam_gate_years,
        "fee_cents": rule.ccp_fee_cents
        if application.route == Application.Route.CCP
        else rule.exam_fee_cents,
        "validity_months": rule.validity_months,
        "authorization_days": rule.authorization_days,
        "applied_on": today.isoformat(),
        "route_reason": application.route_reason,
    }
    if application.route == Application.Route.EXAM and application.certification.credential.code == "RMA":
        snapshot["rma_routes"] = asdict(selectors.rma_routes_in_force(today))
    return snapshot


def application_checkout(*, application: Application, user: User, today: datetime.date) -> Invoice:
    """Complete: freeze the application date, the rules in force that day, the window and the points, and
    issue the fee (once). It is submitted when the fee is paid (`application_submit_paid`)."""
    with transaction.atomic():
        application = locked_application(application.pk)
        if application.state == Application.State.WITHDRAWN:
            raise ValidationError("This application was withdrawn: start a new one to apply.")
        if application.state != Application.State.DRAFT:
            raise ValidationError("This application was already sent.")
        _check_editable(application)  # paid, its submission queued: the date and rules it was paid on stay
        rule = selectors.rule_in_force(credential_id=application.certification.credential_id, day=today)
        if rule is None:
            raise ValidationError("No recertification rules are in force for this credential: contact us.")
        application.rule = rule  # the current criteria: the rules in force on the application date
        decision = rules.route_decision(
            lapse_date=application.lapse_date, applied_on=today, gate_years=rule.exam_gate_years
        )
        if application.route == Application.Route.CCP and not decision.ccp_allowed:
            raise ValidationError(decision.reason)
        application.route_reason = decision.reason
        application.window_start, application.window_end = None, None
        missing = application_missing(application, today=today)
        if missing:
            raise ValidationError(["Before paying, add: " + "; ".join(missing) + "."])
        invoice = selectors.application_invoice(application)
        if (
            invoice
            and invoice.state == Invoice.State.OPEN
            and invoice.amount_cents != _fee_cents(application, rule)
        ):
            # Checked out again under new rules: the fee is the one in force on this application date.
            invoice = billing_services.invoice_void(
                invoice=invoice, reason="recertification fee changed", today=today, actor=user, source=SOURCE
            )
        if invoice is None or invoice.state in (Invoice.State.VOID, Invoice.State.REFUNDED):
            invoice = _issue_fee(application, rule=rule, today=today, user=user)
        start, end = rules.ccp_window(today, rule.window_years)
        if application.route == Application.Route.CCP:
            summary = selectors.application_summary(application, today=today)
            application.counted_points = summary.result.counted
            application.window_start, application.window_end = start, end
        application.applied_on = today
        application.rules_snapshot = _snapshot(application, today)
        application.invoice_number = invoice.number
        application.save()
    return invoice


def _fee_cents(application: Application, rule) -> int:
    return rule.ccp_fee_cents if application.route == Application.Route.CCP else rule.exam_fee_cents


def _issue_fee(application: Application, *, rule, today: datetime.date, user: User) -> Invoice:
    ccp = application.route == Application.Route.CCP
    amount = _fee_cents(application, rule)
    credential = application.certification.credential
    application.fee_attempts += 1  # a fee voided or refunded before submission is issued anew
    return billing_services.invoice_issue_recertification_fee(
        certification=application.certification,
        kind=Invoice.Kind.RECERT_CCP if ccp else Invoice.Kind.RECERT_EXAM,
        amount_cents=amount,
        description=f"{credential.code} recertification fee ({application.route_words}): "
        f"{format_cents(amount, credential.currency)}",
        reference=f"A{application.pk}"
        + (f"-{application.fee_attempts}" if application.fee_attempts > 1 else ""),
        today=today,
        actor=user,
        source=SOURCE,
        continue_path=reverse("recert:application", args=[application.pk]),
    )


def application_submit_paid(*, invoice_number: str, today: datetime.date, source: str) -> Application | None:
    """The fee is paid: the application is submitted (once, whoever comes first: the payment's task, the
    member's page or the daily catch-up). Valid for `validity_months` from today."""
    with transaction.atomic():
        found = Application.objects.filter(invoice_number=invoice_number).values_list("pk", flat=True).first()
        if found is None:
            return None
        application = locked_application(found)
        invoice = selectors.application_invoice(application)
        if (
            application.state != Application.State.DRAFT
            or invoice is None
            or invoice.state != Invoice.State.PAID
        ):
            return application
        application_move(
            application=application, to_state=Application.State.SUBMITTED,
            reason=f"Fee {invoice.amount} paid; submitted.", today=today, actor=None, source=source,
        )  # fmt: skip
        application.submitted_on = today
        application.expires_on = rules.expiry_date(today, application.rule.validity_months)
        application.save(update_fields=["submitted_on", "expires_on"])
        notices.send_submitted(application)
    return application


def application_resubmit(*, application: Application, user: User, today: datetime.date) -> Application:
    """Answer a request for more: back to the processors (no new fee)."""
    with transaction.atomic():
        application = locked_application(application.pk)
        if application.state != Application.State.MORE_REQUESTED:
            raise ValidationError("Only an application the processor asked more of can be sent again.")
        missing = application_missing(application, today=today)
        if missing:
            raise ValidationError(["Before sending, add: " + "; ".join(missing) + "."])
        return application_move(
            application=application, to_state=Application.State.SUBMITTED,
            reason="Answered the processor and sent again.", today=today, actor=user, source=SOURCE,
        )  # fmt: skip


def application_withdraw(*, application: Application, user: User, today: datetime.date) -> Application:
    """Withdraw a draft (to apply by the other route, say); its unpaid fee is voided."""
    with transaction.atomic():
        application = locked_application(application.pk)
        if application.state == Application.State.WITHDRAWN:
            return application
        if application.state != Application.State.DRAFT:
            state = application.get_state_display().lower()
            raise ValidationError(f"Only a draft can be withdrawn; this application is {state}.")
        invoice = selectors.application_invoice(application)
        if invoice is not None and invoice.state == Invoice.State.PAID:
            raise ValidationError(
                "The fee is paid: the application is submitted and can't be withdrawn here."
            )
        application_move(
            application=application, to_state=Application.State.WITHDRAWN, reason="Withdrawn by the member.",
            today=today, actor=user, source=SOURCE,
        )  # fmt: skip
        if invoice is not None and invoice.state == Invoice.State.OPEN:
            billing_services.invoice_void(
                invoice=invoice, reason="application withdrawn", today=today, actor=user, source=SOURCE
            )
    return application

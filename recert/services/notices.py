"""The application's messages to the member, through the members outbox, each once per application and step:
submitted, more asked, authorized to test, refused, exam failed, expired, reinstated (e-mail and letter)."""

from django.urls import reverse

from core.formatting import format_date
from core.links import absolute_url
from members.services.notices import message_drafts, notices_enqueue
from recert.models import Application

KIND = "recert"


def _drafts(
    application: Application, *, step: str, subject: str, paragraphs: list[str], letter: bool = False
):
    return message_drafts(
        member=application.certification.member,
        kind=KIND,
        key=f"application-{application.pk}-{step}",
        subject=subject,
        paragraphs=paragraphs,
        link=absolute_url(reverse("recert:application", args=[application.pk])),
        link_name="Your application",
        link_label="Open my application",
        letter=letter,
    )


def _what(application: Application) -> str:
    credential = application.certification.credential
    route = application.route_words
    return f"your application to recertify your {credential.code} ({credential.name}) certification {route}"


def send_submitted(application: Application) -> None:
    notices_enqueue(
        _drafts(
            application,
            step="submitted",
            subject=f"We received your {application.certification.credential.code} recertification "
            "application",
            paragraphs=[
                f"Thank you: we received {_what(application)} and its fee on "
                f"{format_date(application.submitted_on)}.",
                "A recertification processor will review it. It is valid until "
                f"{format_date(application.expires_on)}; you will be told every decision.",
            ],
        )
    )


def send_more(application: Application, reason: str) -> None:
    notices_enqueue(
        _drafts(
            application,
            step=f"more-{application.more_rounds}",
            subject="Your recertification application: the processor asks for more",
            paragraphs=[
                f"The processor of {_what(application)} asks for more:",
                reason,
                "Add what is asked on your application page and send it again. No new fee is due.",
            ],
        )
    )


def send_authorized(application: Application) -> None:
    notices_enqueue(
        _drafts(
            application,
            step="authorized",
            subject=f"You are authorized to take the {application.certification.credential.code} exam",
            paragraphs=[
                f"{_what(application).capitalize()} was approved: you are authorized to take the exam.",
                f"Authorization number: {application.authorization_number}. It is valid until "
                f"{format_date(application.authorization_expires_on)}.",
                "Schedule your exam with this number. When you pass, your certification is reinstated from "
                "the day you passed.",
            ],
        )
    )


def send_refused(application: Application) -> None:
    notices_enqueue(
        _drafts(
            application,
            step="refused",
            subject="Your recertification application was refused",
            paragraphs=[
                f"{_what(application).capitalize()} was refused on {format_date(application.decided_on)}.",
                f"Reason: {application.decision_reason}",
                "You may apply again when you meet the requirements.",
            ],
        )
    )


def send_exam_failed(application: Application) -> None:
    notices_enqueue(
        _drafts(
            application,
            step="exam-failed",
            subject="Your recertification exam result",
            paragraphs=[
                f"The exam result recorded for {_what(application)} is a fail. The application is closed.",
                "You may apply again.",
            ],
        )
    )


def send_expired(application: Application) -> None:
    notices_enqueue(
        _drafts(
            application,
            step="expired",
            subject="Your recertification application expired",
            paragraphs=[
                f"{_what(application).capitalize()}, submitted on {format_date(application.submitted_on)}, "
                "was "
                f"not decided by {format_date(application.expires_on)} and has expired.",
                "You may apply again.",
            ],
        )
    )


def send_reinstated(application: Application) -> None:
    credential = application.certification.credential
    notices_enqueue(
        _drafts(
            application,
            step="reinstated",
            subject=f"Your {credential.code} certification is reinstated",
            paragraphs=[
                f"Welcome back: your {credential.name} ({credential.code}) certification is reinstated from "
                f"{format_date(application.reinstated_on)} and is Active.",
                "That date is your new anchor date: your next CCP cycle starts on it, and the fee year "
                "containing it is covered by the recertification fee. Older unpaid annual invoices were "
                "voided.",
            ],
            letter=True,
        )
    )

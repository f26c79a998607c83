"""The audit's messages to the member (DOMAIN.md "Annual CCP audit"), through the members outbox: each
once per audit and step (the key), an e-mail and, at selection and on failure, a postal letter too."""

import datetime

from django.urls import reverse

from audits.models import Audit
from core.formatting import format_date
from core.links import absolute_url
from members.services.notices import message_drafts, notices_cancel, notices_enqueue

KIND = "audit"


def _link(audit: Audit) -> str:
    return absolute_url(reverse("audits:audit", args=[audit.pk]))


def _drafts(audit: Audit, *, step: str, subject: str, paragraphs: list[str], letter: bool) -> list:
    return message_drafts(
        member=audit.certification.member,
        kind=KIND,
        key=f"audit-{audit.pk}-{step}",
        subject=subject,
        paragraphs=paragraphs,
        link=_link(audit),
        link_name="Your audit page",
        link_label="Open my audit page",
        letter=letter,
    )


def _what(audit: Audit) -> str:
    credential = audit.certification.credential
    cycle = audit.cycle
    return (
        f"your {credential.code} ({credential.name}) CCP cycle of {format_date(cycle.start_on)} to "
        f"{format_date(cycle.end_on)}"
    )


def selection_drafts(audit: Audit) -> list:
    """At selection: the member is told by e-mail and letter, or, passed at once by verified CE, by e-mail."""
    if audit.passed_by_verified:
        return _drafts(
            audit,
            step="selected",
            subject=f"Your {audit.certification.credential.code} CCP audit: passed, nothing to send",
            paragraphs=[
                f"The body's yearly random CCP audit selected {_what(audit)}.",
                audit.outcome_reason,
                "Your audit has passed. You don't need to do anything.",
            ],
            letter=False,
        )
    return _drafts(
        audit,
        step="selected",
        subject=f"Your {audit.certification.credential.code} CCP cycle was selected for audit: "
        f"proof due {format_date(audit.deadline)}",
        paragraphs=[
            f"The body's yearly random CCP audit selected {_what(audit)}.",
            "For each activity of that cycle, upload proof (a certificate, transcript or letter, as a PDF, "
            "JPEG or PNG) on your audit page, then submit. Activities from the body's own online CE are "
            "verified already and need nothing. If you signed a CCP attestation, list the activities "
            "behind it and upload their proof.",
            f"Submit by {format_date(audit.deadline)}. If you need more time, you may ask once for an "
            "extension on the audit page.",
            "If nothing is submitted by the deadline, the audit fails and your certification becomes "
            "Non-compliant (CCP).",
        ],
        letter=True,
    )


def reminder_drafts(audit: Audit, *, step: int, today: datetime.date) -> list:
    days = audit.days_left(today)
    return _drafts(
        audit,
        step=f"reminder-{audit.deadline.isoformat()}-{step}",
        subject=f"Reminder: your CCP audit is due {format_date(audit.deadline)}",
        paragraphs=[
            f"Your CCP audit of {_what(audit)} is due {format_date(audit.deadline)}: {days} "
            f"day{'s' if days != 1 else ''} left, counting today and the deadline.",
            "Upload proof for each activity and submit on your audit page. If nothing is submitted by the "
            "deadline, the audit fails and your certification becomes Non-compliant (CCP).",
        ],
        letter=False,
    )


def more_drafts(audit: Audit, requests: list[str]) -> list:
    return _drafts(
        audit,
        step=f"more-{audit.more_rounds}",
        subject=f"Your CCP audit: the reviewer asks for more, due {format_date(audit.deadline)}",
        paragraphs=[
            f"The reviewer of your CCP audit of {_what(audit)} asks for more:",
            *requests,
            f"Upload what is asked on your audit page and submit again by {format_date(audit.deadline)}.",
        ],
        letter=False,
    )


def extension_drafts(audit: Audit, *, decision: str) -> list:
    granted = audit.extension == Audit.Extension.GRANTED
    return _drafts(
        audit,
        step="extension",
        subject=f"Your CCP audit extension was {'granted' if granted else 'not granted'}",
        paragraphs=[
            f"{decision}.",
            f"Your deadline {'is now' if granted else 'stays'} {format_date(audit.deadline)}.",
        ],
        letter=False,
    )


def outcome_drafts(audit: Audit) -> list:
    passed = audit.state == Audit.State.PASSED
    if passed:
        paragraphs = [f"Your CCP audit of {_what(audit)} has passed.", audit.outcome_reason, "Thank you."]
    else:
        paragraphs = [
            f"Your CCP audit of {_what(audit)} has failed.",
            audit.outcome_reason,
            "Your certification is Non-compliant (CCP) from "
            f"{format_date(audit.decided_on or audit.deadline)}. To use your credential again you must "
            "recertify: your dashboard shows how.",
        ]
    return _drafts(
        audit,
        step="outcome",
        subject=f"Your {audit.certification.credential.code} CCP audit has "
        + ("passed" if passed else "failed"),
        paragraphs=paragraphs,
        letter=not passed,
    )


def send(drafts: list) -> list[int]:
    return notices_enqueue(drafts)


def cancel_reminders(audit: Audit) -> int:
    """Reminders not sent yet stop being true once the member submitted or the audit ended."""
    return notices_cancel(
        member_id=audit.certification.member_id, kind=KIND, key_prefix=f"audit-{audit.pk}-reminder-"
    )

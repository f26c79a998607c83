"""The notice outbox every app uses: written before sending, marked sent after.

A message is a row keyed by (member, kind, key, channel), so asking twice for the same notice gives the
same row and it is sent once. Delivery is at least once: a crash between sending and recording resends
the same message with the same Message-ID, it never loses it.
"""

import logging

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string

from amtportal import clock
from members.models import Member, Notice

logger = logging.getLogger(__name__)


def _render(template: str, context: dict) -> tuple[str, str, str]:
    subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
    return (
        subject,
        render_to_string(f"{template}.txt", context),
        render_to_string(f"{template}.html", context),
    )


def notice_email_enqueue(*, member: Member, kind: str, key: str, template: str, context: dict) -> Notice:
    """Write the e-mail to the outbox (once per key) and queue its delivery after commit."""
    from members.tasks import deliver_notice

    subject, text, html = _render(template, {"member": member, **context})
    with transaction.atomic():
        notice, created = Notice.objects.get_or_create(
            member=member,
            kind=kind,
            key=key,
            channel=Notice.Channel.EMAIL,
            defaults={
                "recipient": member.user.email,
                "subject": subject,
                "body_text": text,
                "body_html": html,
            },
        )
        if created:
            transaction.on_commit(lambda: deliver_notice.delay(notice.pk))
    return notice


def notice_letter_enqueue(*, member: Member, kind: str, key: str, template: str, context: dict) -> Notice:
    """Write a postal letter to the outbox (once per key); the day's mail batch prints pending letters."""
    subject, text, html = _render(template, {"member": member, **context})
    notice, _ = Notice.objects.get_or_create(
        member=member,
        kind=kind,
        key=key,
        channel=Notice.Channel.LETTER,
        defaults={
            "recipient": "\n".join(member.address_lines),
            "subject": subject,
            "body_text": text,
            "body_html": html,
        },
    )
    return notice


def notice_deliver(*, notice_id: int) -> bool:
    """Send one pending e-mail; returns whether this call sent it. Sent rows are never sent again."""
    with transaction.atomic():
        notice = (
            Notice.objects.select_for_update(skip_locked=True)
            .filter(pk=notice_id, channel=Notice.Channel.EMAIL)
            .exclude(state=Notice.State.SENT)
            .first()
        )
        if notice is None:
            return False
        message = EmailMultiAlternatives(
            subject=notice.subject,
            body=notice.body_text,
            to=[notice.recipient],
            headers={"Message-ID": notice.message_id},
        )
        if notice.body_html:
            message.attach_alternative(notice.body_html, "text/html")
        notice.attempts += 1
        try:
            message.send()
        except Exception as error:  # noqa: BLE001 - any transport error leaves the row to retry
            logger.warning("Notice %s not sent: %s", notice.pk, error)
            notice.state = Notice.State.FAILED
            notice.last_error = str(error)[:2000]
            notice.save(update_fields=["state", "attempts", "last_error"])
            return False
        notice.state = Notice.State.SENT
        notice.sent_at = clock.now()
        notice.last_error = ""
        notice.save(update_fields=["state", "attempts", "sent_at", "last_error"])
        return True


def notices_deliver_pending() -> int:
    """Catch-up: send every e-mail still pending or failed (after a crash or a broker outage)."""
    pending = Notice.objects.filter(channel=Notice.Channel.EMAIL).exclude(state=Notice.State.SENT)
    return sum(notice_deliver(notice_id=pk) for pk in pending.order_by("pk").values_list("pk", flat=True))

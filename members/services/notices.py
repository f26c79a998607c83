"""The notice outbox every app uses: written before sending, marked sent after.

A message is a row keyed by (member, kind, key, channel), so asking twice for the same notice gives the
same row and it is sent once. Delivery is at least once: a crash between sending and recording resends
the same message with the same Message-ID, it never loses it.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F
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


@dataclass
class NoticeDraft:
    """A message to write to the outbox in bulk (`notices_enqueue`)."""

    member: Member
    kind: str
    key: str
    channel: str
    template: str
    context: dict = field(default_factory=dict)

    def build(self) -> Notice:
        subject, text, html = _render(self.template, {"member": self.member, **self.context})
        email = self.channel == Notice.Channel.EMAIL
        return Notice(
            member=self.member,
            kind=self.kind,
            key=self.key,
            channel=self.channel,
            recipient=self.member.user.email if email else "\n".join(self.member.address_lines),
            subject=subject,
            body_text=text,
            body_html=html,
        )


def notices_enqueue(drafts: Iterable[NoticeDraft]) -> list[int]:
    """Write many messages at once (a job's chunk); a key already in the outbox is skipped, not rewritten.

    Returns the ids of the rows written now. Their e-mails are queued for delivery when the caller's
    transaction commits; letters stay pending for the day's mail batch.
    """
    from members.tasks import deliver_notices

    rows = [draft.build() for draft in drafts]
    if not rows:
        return []
    Notice.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    # Rows that lost to an existing key were not inserted: their generated message_uuid is not stored.
    written = Notice.objects.filter(message_uuid__in=[row.message_uuid for row in rows]).values_list(
        "pk", "channel"
    )
    ids = [pk for pk, _ in written]
    emails = sorted(pk for pk, channel in written if channel == Notice.Channel.EMAIL)
    if emails:
        transaction.on_commit(lambda: deliver_notices.delay(emails))
    return ids


def notices_cancel(*, member_id: int, kind: str, key_prefix: str) -> int:
    """Withdraw messages not sent yet whose content stopped being true (an invoice paid before its
    reminder left); returns how many. Sent messages are history and stay as they are."""
    return (
        Notice.objects.filter(member_id=member_id, kind=kind, key__startswith=key_prefix)
        .filter(state__in=[Notice.State.PENDING, Notice.State.FAILED])
        .update(state=Notice.State.CANCELLED, last_error="Withdrawn: no longer applies.")
    )


def notice_deliver(*, notice_id: int) -> bool:
    """Send one pending e-mail; returns whether this call sent it. Sent rows are never sent again."""
    with transaction.atomic():
        notice = (
            Notice.objects.select_for_update(skip_locked=True)
            .filter(pk=notice_id, channel=Notice.Channel.EMAIL)
            .filter(state__in=[Notice.State.PENDING, Notice.State.FAILED])
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


def _message(notice: Notice) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=notice.subject,
        body=notice.body_text,
        to=[notice.recipient],
        headers={"Message-ID": notice.message_id},
    )
    if notice.body_html:
        message.attach_alternative(notice.body_html, "text/html")
    return message


def notices_deliver_many(*, notice_ids: list[int], batch_size: int = 100) -> int:
    """A job's e-mails in batches: one transaction and one mail-server connection per batch, the rows locked
    (skip_locked: another worker has them) and marked sent by one UPDATE after sending. At least once, as
    notice_deliver: a crash before the UPDATE resends with the same Message-ID. Returns how many were sent."""
    total = 0
    for start in range(0, len(notice_ids), batch_size):
        with transaction.atomic():
            notices = list(
                Notice.objects.select_for_update(skip_locked=True)
                .filter(
                    pk__in=notice_ids[start : start + batch_size],
                    channel=Notice.Channel.EMAIL,
                    state__in=[Notice.State.PENDING, Notice.State.FAILED],
                )
                .order_by("pk")
            )
            sent, failed = [], []
            with get_connection() as backend:
                for notice in notices:
                    try:
                        backend.send_messages([_message(notice)])
                    except Exception as error:  # noqa: BLE001 - left failed for the catch-up job
                        logger.warning("Notice %s not sent: %s", notice.pk, error)
                        failed.append((notice.pk, str(error)[:2000]))
                    else:
                        sent.append(notice.pk)
            Notice.objects.filter(pk__in=sent).update(
                state=Notice.State.SENT, sent_at=clock.now(), last_error="", attempts=F("attempts") + 1
            )
            for pk, reason in failed:
                Notice.objects.filter(pk=pk).update(
                    state=Notice.State.FAILED, last_error=reason, attempts=F("attempts") + 1
                )
        total += len(sent)
    return total


def notices_deliver_pending() -> int:
    """Catch-up: send every e-mail still pending or failed (after a crash or a broker outage)."""
    pending = Notice.objects.filter(
        channel=Notice.Channel.EMAIL, state__in=[Notice.State.PENDING, Notice.State.FAILED]
    )
    return sum(notice_deliver(notice_id=pk) for pk in pending.order_by("pk").values_list("pk", flat=True))

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

from core import clock
from core.bulk import chunked
from members.models import Member, Notice

logger = logging.getLogger(__name__)


def _render(template: str, context: dict) -> tuple[str, str, str]:
    subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
    return (
        subject,
        render_to_string(f"{template}.txt", context),
        render_to_string(f"{template}.html", context),
    )


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


def message_drafts(
    *,
    member: Member,
    kind: str,
    key: str,
    subject: str,
    paragraphs: list[str],
    link: str,
    link_name: str,
    link_label: str,
    letter: bool,
) -> list[NoticeDraft]:
    """A plain message (paragraphs, then the link to the page it is about) by e-mail and, with `letter`, by
    post too: the audits' and the recertification applications' notices."""
    context = {
        "subject": subject,
        "paragraphs": [paragraph for paragraph in paragraphs if paragraph],
        "link": link,
        "link_name": link_name,  # "Your audit page", before the address in the text and the letter
        "link_label": link_label,  # "Open my audit page", the e-mail's button
    }
    channels = [(Notice.Channel.EMAIL, "email/message")]
    if letter:
        channels.append((Notice.Channel.LETTER, "letters/message"))
    return [NoticeDraft(member, kind, key, channel, template, context) for channel, template in channels]


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


def _enqueue_one(draft: "NoticeDraft") -> Notice:
    notices_enqueue([draft])
    return Notice.objects.get(member=draft.member, kind=draft.kind, key=draft.key, channel=draft.channel)


def notice_email_enqueue(*, member: Member, kind: str, key: str, template: str, context: dict) -> Notice:
    """Write one e-mail to the outbox (once per key) and queue its delivery after commit."""
    return _enqueue_one(NoticeDraft(member, kind, key, Notice.Channel.EMAIL, template, context))


def notice_letter_enqueue(*, member: Member, kind: str, key: str, template: str, context: dict) -> Notice:
    """Write one postal letter to the outbox (once per key); the day's mail batch prints pending letters."""
    return _enqueue_one(NoticeDraft(member, kind, key, Notice.Channel.LETTER, template, context))


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
    return notices_deliver_many(notice_ids=[notice_id]) == 1


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


def _deliver_one(backend, notice_id: int) -> bool:
    """Claim one e-mail (its row locked; skip_locked: another worker has it), send it and mark it sent, in
    a transaction of its own: a kill repeats only this e-mail, with the same Message-ID."""
    with transaction.atomic():
        notice = (
            Notice.objects.select_for_update(skip_locked=True)
            .filter(pk=notice_id, state__in=[Notice.State.PENDING, Notice.State.FAILED])
            .first()
        )
        if notice is None:  # sent meanwhile, withdrawn, or in another worker's hands
            return False
        try:
            backend.send_messages([_message(notice)])
        except Exception as error:  # noqa: BLE001 - left failed for the retry and the catch-up job
            logger.warning("Notice %s not sent: %s", notice.pk, error)
            _mark_failed([notice.pk], str(error))
            return False
        Notice.objects.filter(pk=notice.pk).update(
            state=Notice.State.SENT, sent_at=clock.now(), last_error="", attempts=F("attempts") + 1
        )
    return True


def _mark_failed(notice_ids: list[int], reason: str) -> None:
    Notice.objects.filter(pk__in=notice_ids, state__in=[Notice.State.PENDING, Notice.State.FAILED]).update(
        state=Notice.State.FAILED, last_error=reason[:2000], attempts=F("attempts") + 1
    )


def notices_deliver_many(*, notice_ids: list[int], batch_size: int = 100) -> int:
    """A job's e-mails in batches of one mail-server connection each; every e-mail is claimed and marked
    sent on its own (`_deliver_one`), so any number of workers can share the outbox and a worker killed
    mid-batch repeats at most the e-mail in flight (same Message-ID), never one it recorded. At least once,
    never lost. Returns how many this call sent."""
    return sum(_deliver_batch(list(chunk)) for chunk in chunked(notice_ids, batch_size))


def _deliver_batch(notice_ids: list[int]) -> int:
    waiting = list(
        Notice.objects.filter(
            pk__in=notice_ids,
            channel=Notice.Channel.EMAIL,
            state__in=[Notice.State.PENDING, Notice.State.FAILED],
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not waiting:
        return 0
    backend = get_connection()
    try:
        backend.open()
    except Exception as error:  # noqa: BLE001 - the server is down: every one stays to retry
        logger.warning("Mail server unavailable: %s", error)
        _mark_failed(waiting, str(error))
        return 0
    try:
        return sum(_deliver_one(backend, notice_id) for notice_id in waiting)
    finally:
        backend.close()


def notices_pending_emails():
    return Notice.objects.filter(
        channel=Notice.Channel.EMAIL, state__in=[Notice.State.PENDING, Notice.State.FAILED]
    )


def notices_deliver_pending(*, id_range: list[int] | None = None) -> int:
    """Catch-up: send every e-mail still pending or failed (after a crash or a broker outage); `id_range`
    [first, last]: only those notices (a chunk of the nightly run fanned out over workers)."""
    pending = notices_pending_emails()
    if id_range is not None:
        pending = pending.filter(pk__range=id_range)
    return notices_deliver_many(notice_ids=list(pending.order_by("pk").values_list("pk", flat=True)))

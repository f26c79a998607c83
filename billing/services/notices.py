"""Renewal notices (DOMAIN.md "Annual renewal"): each step (data) of an open annual invoice, by e-mail and/or
postal letter, once per invoice and channel through the members outbox; never after the invoice is settled;
after missed days only the latest step that is due."""

import datetime

from django.db.models import Q
from django.urls import reverse

from billing import rules
from billing.models import Invoice, RenewalNoticeStep
from billing.services.invoices import RENEWAL_KIND
from core.bulk import run_in_chunks
from core.links import absolute_url
from members.models import CertificationPolicy, Notice
from members.rules import RENEWING_STATUSES, fee_lapse_date
from members.services.notices import NoticeDraft, notices_enqueue


def notice_key(invoice: Invoice, step: rules.NoticeStep) -> str:
    return f"{invoice.number}:{step.code}"


def _steps() -> list[tuple[int, rules.NoticeStep]]:
    return [
        (step.position, rules.NoticeStep(step.code, step.anchor, step.offset_days, tuple(step.channels)))
        for step in RenewalNoticeStep.objects.order_by("position")
    ]


def _anchor_lookup(step: rules.NoticeStep, today: datetime.date, grace_days: int) -> Q:
    """SQL for "this step's date has come": the step date is anchor + offset (rules.step_date)."""
    latest = today - datetime.timedelta(days=step.offset_days)
    if step.anchor == "issue":
        return Q(issued_on__lte=latest)
    if step.anchor == "due":
        return Q(due_on__lte=latest)
    # The lapse date is the due date moved by a fixed number of days: compare due dates, in SQL.
    days_to_lapse = fee_lapse_date(due_on=latest, grace_days=grace_days) - latest
    return Q(due_on__lte=latest - days_to_lapse)


def _candidates(steps, today: datetime.date, grace_days: int):
    """Open annual invoices with a step due that comes after the last one written for them."""
    reached = Q(pk__in=[])
    for position, step in steps:
        reached |= Q(notice_position__lt=position) & _anchor_lookup(step, today, grace_days)
    return Invoice.objects.filter(
        reached,
        kind=Invoice.Kind.ANNUAL,
        state=Invoice.State.OPEN,
        certification__status__in=RENEWING_STATUSES,
    )


def _context(invoice: Invoice, step: rules.NoticeStep, grace_days: int, today: datetime.date) -> dict:
    return {
        "invoice": invoice,
        "certification": invoice.certification,
        "credential": invoice.certification.credential,
        "step": step.code,
        "today": today,
        "lapse_date": invoice.lapse_date(grace_days=grace_days),
        "overdue": today > invoice.due_on,
        "pay_link": absolute_url(reverse("billing:pay", args=[invoice.number])),
    }


def _send_chunk(ids: list[int], *, steps, grace_days: int, today: datetime.date) -> int:
    # Locked and re-read as open: a payment committing meanwhile wins, and its invoice gets no reminder.
    invoices = list(
        Invoice.objects.select_for_update(of=("self",))
        .filter(pk__in=ids, state=Invoice.State.OPEN)
        .select_related("certification__member__user", "certification__credential")
        .order_by("pk")
    )
    plain_steps = [step for _, step in steps]
    position_of = {step.code: position for position, step in steps}
    drafts, advanced = [], []
    for invoice in invoices:
        step = rules.due_notice_step(
            plain_steps,
            issued_on=invoice.issued_on,
            due_on=invoice.due_on,
            grace_days=grace_days,
            today=today,
        )
        if step is None or position_of[step.code] <= invoice.notice_position:
            continue
        context = _context(invoice, step, grace_days, today)
        template = {"email": "email/renewal", "letter": "letters/renewal"}
        drafts += [
            NoticeDraft(
                member=invoice.certification.member,
                kind=RENEWAL_KIND,
                key=notice_key(invoice, step),
                channel=channel,
                template=template[channel],
                context=context,
            )
            for channel in step.channels
        ]
        invoice.notice_position = position_of[step.code]
        advanced.append(invoice)
    written = notices_enqueue(drafts)
    by_position: dict[int, list[int]] = {}  # one UPDATE per step: bulk_update's CASE per row was 5x slower
    for invoice in advanced:
        by_position.setdefault(invoice.notice_position, []).append(invoice.pk)
    for position, pks in by_position.items():
        Invoice.objects.filter(pk__in=pks).update(notice_position=position)
    return len(written)


def renewal_notices_send(
    *, today: datetime.date, chunk_size: int = 1000, id_range: list[int] | None = None
) -> int:
    """Daily: the latest due step of every open annual invoice not sent yet; returns how many messages were
    written. A chunk is one transaction, and the outbox's unique key keeps each step and channel to one
    message whatever reruns; e-mails leave after the chunk commits, letters wait for the mail batch.
    `id_range` [first, last]: only those invoices (a chunk of the nightly run fanned out over workers)."""
    steps = _steps()
    if not steps:
        return 0
    grace_days = CertificationPolicy.current().grace_days
    candidates = _candidates(steps, today, grace_days)
    if id_range is not None:
        candidates = candidates.filter(pk__range=id_range)
    ids = list(candidates.order_by("pk").values_list("pk", flat=True))
    return run_in_chunks(
        ids, chunk_size, lambda chunk: _send_chunk(chunk, steps=steps, grace_days=grace_days, today=today)
    )


def renewal_notices_of(invoice: Invoice):
    return Notice.objects.filter(
        member_id=invoice.certification.member_id, kind=RENEWAL_KIND, key__startswith=f"{invoice.number}:"
    )

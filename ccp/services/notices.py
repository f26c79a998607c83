"""CCP compliance notices (DOMAIN.md "End of a cycle"): before a cycle ends, a member still short of points
gets an e-mail at each notice step (data: 180, 90 and 30 days before the end) saying what is missing.

Each step is one row of the members outbox, keyed by cycle and step, so it is sent once whatever reruns.
"""

import datetime

from django.urls import reverse

from ccp import rules, selectors
from ccp.models import CcpPolicy, Cycle
from ccp.services.cycles import cycles_compliance
from core.bulk import run_in_chunks
from core.formatting import format_points
from core.links import absolute_url
from members.models import Notice
from members.rules import RENEWING_STATUSES
from members.services import notice_email_enqueue

KIND = "ccp_compliance"
TEMPLATE = "email/ccp_compliance"


def due_step(steps: list[int], *, end_on: datetime.date, today: datetime.date) -> int | None:
    """The latest notice step due today, if any. Step N is due from N days before the last day through
    the last day; a job catching up after missed days sends only the latest one, not each in turn."""
    if today > end_on:
        return None
    days_before_end = (end_on - today).days
    return min((step for step in steps if step >= days_before_end), default=None)


def notice_key(cycle: Cycle, step: int) -> str:
    return f"cycle-{cycle.pk}-{step}"


def _context(cycle: Cycle, result: rules.ComplianceResult, *, step: int, today: datetime.date) -> dict:
    certification = cycle.certification
    return {
        "certification": certification,
        "credential": certification.credential,
        "cycle": cycle,
        "step": step,
        "required": format_points(result.required, decimals="significant"),
        "counted": format_points(result.counted, decimals="significant"),
        "missing": format_points(result.missing, decimals="significant"),
        "shortfall": rules.shortfall_text(result.missing, today, cycle.end_on),  # the dashboard's words
        "last_day": cycle.end_on,
        "days_left": cycle.days_left(today),
        "noncompliant_from": cycle.end_on + datetime.timedelta(days=1),
        "link": absolute_url(reverse("ccp:certification", args=[certification.pk])),
    }


def _due_cycles(ids: list[int], *, steps: list[int], today: datetime.date) -> list[tuple[Cycle, int]]:
    """The chunk's open cycles with a step due whose notice is not in the outbox yet."""
    cycles = (
        Cycle.objects.filter(pk__in=ids, state=Cycle.State.OPEN)
        .select_related("certification__credential", "certification__member__user", "attestation")
        .order_by("pk")
    )
    steps_due = ((cycle, due_step(steps, end_on=cycle.end_on, today=today)) for cycle in cycles)
    due = [(cycle, step) for cycle, step in steps_due if step is not None]  # a step may be 0: the last day
    keys = [notice_key(cycle, step) for cycle, step in due]
    written = set(
        Notice.objects.filter(kind=KIND, key__in=keys, channel=Notice.Channel.EMAIL).values_list(
            "key", flat=True
        )
    )
    return [(cycle, step) for cycle, step in due if notice_key(cycle, step) not in written]


def _send_chunk(ids: list[int], *, steps: list[int], today: datetime.date, categories) -> int:
    due = _due_cycles(ids, steps=steps, today=today)
    results = cycles_compliance([cycle for cycle, _ in due], today=today, categories=categories)
    sent = 0
    for cycle, step in due:
        result = results[cycle.pk]
        if selectors.cycle_is_compliant(cycle, result):
            continue
        notice_email_enqueue(
            member=cycle.certification.member,
            kind=KIND,
            key=notice_key(cycle, step),
            template=TEMPLATE,
            context=_context(cycle, result, step=step, today=today),
        )
        sent += 1
    return sent


def ccp_compliance_notices_send(*, today: datetime.date, chunk_size: int = 500) -> int:
    """Daily: the latest due notice step of every open cycle not yet compliant (by points or attestation);
    returns how many notices were written. Each chunk is one transaction and its e-mails leave after it
    commits, so a run killed half-way and started again sends each notice once."""
    steps = CcpPolicy.current().notice_steps
    if not steps:
        return 0
    ids = list(
        Cycle.objects.filter(
            state=Cycle.State.OPEN,
            end_on__gte=today,
            end_on__lte=today + datetime.timedelta(days=max(steps)),
            certification__status__in=RENEWING_STATUSES,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    categories = selectors.category_rules()
    return run_in_chunks(
        ids, chunk_size, lambda chunk: _send_chunk(chunk, steps=steps, today=today, categories=categories)
    )

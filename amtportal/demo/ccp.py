"""The CCP part of the demo, through the ccp services: certifications start with their cycle, the steps of a
certification's life the CCP app owns (CE claims, attestations, the daily cycle roll, proof attached for a
recertification), the learning platform's API client; plus the lines the command prints about them."""

import datetime
from decimal import Decimal

from django.core.management.base import CommandError
from django.db.models import Q, QuerySet

from amtportal.demo import documents
from amtportal.demo.plan import SOURCE, CertPlan, Step
from ccp import selectors, services
from ccp.models import Activity, ActivityCategory, ApiClient, Cycle
from core.formatting import format_points
from members.models import Certification, Credential, Member
from members.rules import RENEWING_STATUSES

# The learning platform's demo credentials, so the completions API can be tried (never in production).
API_KEY_ID = "demo-learning-platform"
API_SECRET = "demo-learning-platform-secret-do-not-use-in-production"
CLOSED_WORDS = {
    Cycle.State.COMPLIANT: "compliant",
    Cycle.State.NONCOMPLIANT: "not compliant",
    Cycle.State.INACTIVE: "ended (certification not active)",
}
STALE_CYCLES = (
    "Open CCP cycles of other certifications are behind today: run `manage.py run_daily_jobs` first (the "
    "demo replays the daily CCP jobs on past dates, which would close those cycles on the wrong day)."
)

# --- Where a certification's life starts ------------------------------------------------------------


def certification_enrol(member: Member, plan: CertPlan) -> Certification:
    """The exam passed on `plan.certified_on`: the certification and its first cycle, as of that day."""
    credential = Credential.objects.filter(code=plan.code).first()
    if credential is None:
        raise CommandError(f"Credential {plan.code} is missing (run migrate first).")
    return services.certification_enrol(
        member=member,
        credential=credential,
        certified_on=plan.certified_on,
        today=plan.certified_on,
        actor=None,
        source=f"{SOURCE}: exam passed",
    )


# --- Steps of a certification's life (amtportal.demo.replay.STEPS) -----------------------------------
# CCP services report to the members app themselves: each step returns the certification read again.


def claim(member: Member, certification: Certification, step: Step) -> Certification:
    claim = step.claim
    category = _category(claim.category)
    online = bool(claim.online_id)
    services.activity_record(
        certification=certification,
        today=step.on,
        recorded_by=None if online else member.user,
        source=Activity.Source.ONLINE if online else Activity.Source.MEMBER,
        external_id=claim.online_id,
        category=category,
        title=claim.title,
        provider=claim.provider,
        completed_on=None if category.is_period else (claim.completed_on or step.on),
        period_start=claim.period_start,
        period_end=claim.period_end,
        quantity=Decimal(claim.quantity) if claim.quantity else None,
        quantity_unit=Activity.QuantityUnit.QUARTER if claim.quarter_hours else Activity.QuantityUnit.UNIT,
        helps_job=True,
        advances_knowledge=True,
    )
    return _reread(certification)


def proof(member: Member, certification: Certification, step: Step) -> Certification:
    """The member attaches a document to each activity they recorded, dated on or after `step.value` (a
    recertification window's start), that has none yet: the usual proof, unless `step.recert.documents`
    names another kind for its title."""
    activities = Activity.objects.filter(
        certification=certification, source=Activity.Source.MEMBER, documents__isnull=True
    ).filter(
        Q(completed_on__gte=step.value)
        | Q(period_end__gte=step.value)
        | Q(period_end__isnull=True, period_start__isnull=False)
    )
    kinds = dict(step.recert.documents) if step.recert else {}
    for activity in activities.select_related("category").order_by("completed_on", "period_start", "pk"):
        upload = documents.proof(activity, member, kinds.get(activity.title, "certificate"))
        services.activity_attach_document(activity=activity, upload=upload, uploaded_by=member.user)
    return certification


def _category(code: str) -> ActivityCategory:
    category = ActivityCategory.objects.filter(code=code).first()
    if category is None:
        raise CommandError(f"Activity category {code} is missing (run migrate first).")
    return category


def attest(member: Member, certification: Certification, step: Step) -> Certification:
    cycle = services.cycle_open_current(certification=certification, today=step.on)
    if cycle is None:
        raise CommandError(f"Demo plan error: {certification} has no open cycle to attest on {step.on}.")
    services.cycle_attest(cycle=cycle, signed_name=member.full_name, today=step.on, user=member.user)
    return _reread(certification)


def roll(member: Member, certification: Certification, step: Step) -> Certification:
    """The daily roll on the day after the cycle ended; it also rolls any other certification's cycle that
    ended, so none may have ended before yesterday (the replay keeps every certification up to date, day by
    day: a cycle that ended yesterday is another certification's roll of today)."""
    others = Cycle.objects.filter(state=Cycle.State.OPEN, end_on__lt=step.on - datetime.timedelta(days=1))
    if others.exclude(certification=certification).exists():
        raise CommandError(STALE_CYCLES)
    services.cycles_roll(today=step.on)
    return _reread(certification)


def _reread(certification: Certification) -> Certification:
    return Certification.objects.get(pk=certification.pk)


def cycles_close_inactive(certification: Certification, day: datetime.date) -> Certification:
    """The daily job's part that follows every step: a certification no longer Active or Lapsed loses its
    open cycle ("ended: certification not active")."""
    if certification.is_renewing or not _open_cycles(certification).exists():
        return certification
    others = Cycle.objects.filter(state=Cycle.State.OPEN).exclude(certification__status__in=RENEWING_STATUSES)
    if others.exclude(certification=certification).exists():
        raise CommandError(STALE_CYCLES)
    services.cycles_close_inactive(today=day)
    return certification


def _open_cycles(certification: Certification) -> QuerySet[Cycle]:
    return Cycle.objects.filter(certification=certification, state=Cycle.State.OPEN)


# --- The learning platform's API client -------------------------------------------------------------


def api_client_ensure() -> bool:
    _, created = ApiClient.objects.get_or_create(
        key_id=API_KEY_ID, defaults={"name": "Demo learning platform", "secret": API_SECRET}
    )
    return created


def api_client_secret() -> str:
    client = ApiClient.objects.filter(key_id=API_KEY_ID).first()
    if client is None or client.secret != API_SECRET:
        return "(changed in the admin since the demo was seeded)"
    return API_SECRET


# --- What the command prints ------------------------------------------------------------------------


def ccp_text(certification: Certification, today: datetime.date) -> str:
    """The CCP page in one line: the open cycle's live points, then what the closed cycles ended as."""
    if not certification.ccp_required:
        return "exempt from CCP (certified before 2006, never reinstated)"
    cycles = list(
        Cycle.objects.filter(certification=certification)
        .select_related("attestation", "certification__credential")
        .order_by("start_on")
    )
    current = next((cycle for cycle in cycles if cycle.is_open), None)
    parts = [_open_cycle_text(current, today) if current else "no open cycle"]
    closed = [cycle for cycle in cycles if not cycle.is_open]
    if closed:
        counts = {state: sum(cycle.state == state for cycle in closed) for state in CLOSED_WORDS}
        parts.append("closed: " + ", ".join(f"{n} {CLOSED_WORDS[state]}" for state, n in counts.items() if n))
        latest = closed[-1]
        counted, required = _points(latest.counted_points), _points(latest.required_points)
        attested = " (attested)" if hasattr(latest, "attestation") else ""
        parts.append(
            f"latest closed {latest.start_on}..{latest.end_on} with {counted} of {required}{attested}"
        )
    return "; ".join(parts)


def _points(value: Decimal) -> str:
    return format_points(value, decimals="significant")  # 30.00 -> "30", 30.26 -> "30.26"


def _open_cycle_text(cycle: Cycle, today: datetime.date) -> str:
    result, _ = selectors.cycle_compliance(cycle, today=today)
    counted, required = _points(result.counted), _points(result.required)
    text = f"open cycle {cycle.start_on}..{cycle.end_on}, {counted} of {required} points"
    if hasattr(cycle, "attestation"):
        text += ", attested"
    return text

"""The audits part of the demo, through the audits services: a reviewer starts each campaign on its day (with
the seed that selects the planned certifications), the audits' daily job (reminders, deadlines), and the
steps of an audit its member or the reviewer takes (proof, an activity behind an attestation, an extension
request, submitting, the reviewer's decisions); plus the lines the command prints about them."""

import contextlib
import datetime
import hashlib
from decimal import Decimal

from django.core.management.base import CommandError

from amtportal.demo import documents
from amtportal.demo.plan import SOURCE, CampaignPlan, Step
from audits import rules, selectors, services
from audits.models import Audit, AuditCampaign, AuditItem, AuditPolicy
from audits.services.campaigns import population
from ccp.models import Activity, ActivityCategory
from core.formatting import format_points
from core.policy import POLICY_PK
from members.models import Certification, Member, User

SEED_ATTEMPTS = 2_000_000

# --- Campaigns ----------------------------------------------------------------------------------------


def campaign_start(plan: CampaignPlan, *, certification_ids: list[int], day: datetime.date) -> None:
    """The reviewer starts the campaign on `day` and its audits are prepared (the members told), as the
    campaigns page does. Its seed is the first of a fixed series that selects exactly `certification_ids`;
    the audit policy's rate is used when it gives that many, else a fixed size (the demo has few members)."""
    if AuditCampaign.objects.filter(year=plan.year).exists():
        return
    rolled = sorted(population(plan.year))
    wanted = set(certification_ids)
    if not wanted <= set(rolled):
        raise CommandError(
            f"Demo plan error: certifications {sorted(wanted - set(rolled))} did not roll in {plan.year}."
        )
    seed = _seed_selecting(plan.year, rolled, wanted)
    with _sample_size(len(wanted), population_count=len(rolled)):
        services.campaign_start(
            year=plan.year,
            today=day,
            actor=_user(plan.actor),
            source=f"{SOURCE}: campaign started",
            seed=seed,
        )
    services.audits_prepare(today=day, source=f"{SOURCE}: campaign started")


def _seed_selecting(year: int, rolled: list[int], wanted: set[int]) -> str:
    """The first seed of the series whose N smallest selection keys are exactly the wanted certifications."""
    others = [pk for pk in rolled if pk not in wanted]
    for attempt in range(SEED_ATTEMPTS):
        seed = hashlib.sha256(f"demo audit campaign {year} #{attempt}".encode()).hexdigest()[:32]
        highest = max(rules.selection_key(seed, pk) for pk in wanted)
        if all(rules.selection_key(seed, pk) > highest for pk in others):
            assert set(rules.select(seed=seed, population_ids=rolled, n=len(wanted))) == wanted
            return seed
    raise CommandError(f"Demo plan error: no seed of the series selects the planned {year} audits.")


@contextlib.contextmanager
def _sample_size(n: int, *, population_count: int):
    """The policy as it is when it selects `n`; otherwise a fixed size of `n` for this start only (written
    as an administrator would in the admin, then put back): the campaign stores what it used."""
    policy = AuditPolicy.current()
    if rules.sample_size(population=population_count, rate=policy.sample_rate, fixed=policy.sample_size) == n:
        yield
        return
    AuditPolicy.objects.filter(pk=POLICY_PK).update(sample_size=n)
    try:
        yield
    finally:
        AuditPolicy.objects.filter(pk=POLICY_PK).update(sample_size=policy.sample_size)


def daily(day: datetime.date) -> None:
    """The audits' daily job: reminders due, and audits not submitted by their deadline failed."""
    services.audits_daily(today=day)


# --- Steps of an audit (amtportal.demo.replay.STEPS) ------------------------------------------------


def _user(email: str) -> User:
    return User.objects.get(email=email)


def _audit(certification: Certification, step: Step) -> Audit:
    audit = Audit.objects.filter(certification=certification).order_by("-selected_on", "-pk").first()
    if audit is None:
        raise CommandError(f"Demo plan error: {certification} has no audit for {step}.")
    return audit


def _reread(certification: Certification) -> Certification:
    return Certification.objects.get(pk=certification.pk)


def proof(member: Member, certification: Certification, step: Step) -> Certification:
    """The member uploads proof for the activities still missing it (the plan's documents, in order)."""
    audit = _audit(certification, step)
    missing = [item for item in selectors.audit_items(audit) if item.state in AuditItem.MISSING_PROOF]
    kinds = step.audit.documents if step.audit and step.audit.documents else ["certificate"] * len(missing)
    for item, kind in zip(missing, kinds, strict=False):
        services.audit_attach_proof(
            audit=audit,
            item_id=item.pk,
            upload=documents.proof(item.activity, member, kind),
            user=member.user,
            today=step.on,
        )
    return certification


def list_activity(member: Member, certification: Certification, step: Step) -> Certification:
    """The member lists an activity behind the audited cycle's attestation, with its certificate."""
    audit, claim = _audit(certification, step), step.claim
    item = services.audit_record_activity(
        audit=audit,
        user=member.user,
        today=step.on,
        category=ActivityCategory.objects.get(code=claim.category),
        title=claim.title,
        provider=claim.provider,
        completed_on=claim.completed_on,
        quantity=Decimal(claim.quantity),
        quantity_unit=Activity.QuantityUnit.UNIT,
        helps_job=True,
        advances_knowledge=True,
    )
    services.audit_attach_proof(
        audit=audit,
        item_id=item.pk,
        upload=documents.proof(item.activity, member),
        user=member.user,
        today=step.on,
    )
    return certification


def extension(member: Member, certification: Certification, step: Step) -> Certification:
    services.audit_request_extension(
        audit=_audit(certification, step),
        reason=step.audit.reason,
        days=step.audit.days,
        user=member.user,
        today=step.on,
    )
    return certification


def submit(member: Member, certification: Certification, step: Step) -> Certification:
    services.audit_submit(audit=_audit(certification, step), user=member.user, today=step.on)
    return certification


def review(member: Member, certification: Certification, step: Step) -> Certification:
    """The reviewer claims the audit and decides each activity with proof; then sends it back to the member
    (when more was asked) or finalizes it (which may fail it: Non-compliant, CCP)."""
    audit, reviewer = _audit(certification, step), _user(step.actor)
    services.audit_claim(audit=audit, user=reviewer, today=step.on)
    waiting = [item for item in selectors.audit_items(audit) if item.state == AuditItem.State.UPLOADED]
    decisions = step.audit.decisions
    if len(waiting) != len(decisions):
        raise CommandError(
            f"Demo plan error: {len(waiting)} activities wait for a decision, {step} has {len(decisions)}."
        )
    for item, (decision, message) in zip(waiting, decisions, strict=True):
        services.audit_item_decide(
            audit=audit, item_id=item.pk, decision=decision, message=message, user=reviewer, today=step.on
        )
    if any(decision == "more" for decision, _ in decisions):
        services.audit_return_to_member(audit=audit, user=reviewer, today=step.on)
    else:
        services.audit_finalize(audit=audit, user=reviewer, today=step.on)
    return _reread(certification)


# --- What the command prints ------------------------------------------------------------------------


def summary(today: datetime.date) -> list[str]:
    """Each campaign, latest first, and each of its audits: who, and what their audit page shows."""
    lines = []
    for campaign in AuditCampaign.objects.order_by("-year"):
        audits = list(
            campaign.audits.select_related(
                "certification__member__user", "certification__credential"
            ).order_by("certification__member__member_number")
        )
        size = (
            f"fixed size {campaign.sample_size}"
            if campaign.sample_size
            else f"rate {campaign.sample_rate:.0%}"
        )
        lines.append(
            f"{campaign.year} campaign, started {campaign.started_on}: {campaign.selected_count} of "
            f"{campaign.population_count} selected ({size})"
        )
        for audit in audits:
            member = audit.certification.member
            lines.append(
                f"  {member.user.email:<28} {member.member_number} {audit.certification.credential.code:<5} "
                f"{audit_text(audit, today)}"
            )
    return lines


def audit_text(audit: Audit, today: datetime.date) -> str:
    """The audit's state in a few words, with its dates (the same on every run of the same day)."""
    state = audit.get_state_display()
    if audit.passed_by_verified:
        points = format_points(audit.accepted_points, decimals="significant")
        return f"{state} at selection: verified online CE counts {points} points"
    if audit.state in Audit.FINAL_STATES:
        how = "by the reviewer" if audit.decided_by_id else "by the daily job"
        return f"{state} on {audit.decided_on} {how}: {audit.outcome_reason}"
    if audit.state == Audit.State.SUBMITTED:
        again = ", after a request for more" if audit.more_rounds else ""
        return f"{state}, submitted {audit.submitted_on}{again}"
    text = f"{state}, due {audit.deadline} ({audit.days_left(today)} days left)"
    if audit.extension:
        text += f"; {audit.get_extension_display().lower()} ({audit.extension_days} days)"
    return text

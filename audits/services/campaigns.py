"""Campaigns: the yearly selection (DOMAIN.md "Annual CCP audit"), stored so anyone can re-derive it, and
the preparation of each selected audit (its activities, the verified online CE, the member told), which a
job catches up in chunks so a start killed half-way finishes without duplicates."""

import copy
import datetime
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, QuerySet

from audits import rules
from audits.models import Audit, AuditCampaign, AuditEvent, AuditItem, AuditPolicy
from audits.services import notices, selection_sql
from audits.services.moves import audit_finish, new_event
from ccp import selectors as ccp_selectors
from ccp import services as ccp_services
from ccp.models import Activity, Cycle
from core import clock
from core.bulk import run_in_chunks
from core.formatting import format_date
from members.models import User


def rolled_cycles(year: int) -> QuerySet[Cycle]:
    """Every cycle that closed compliant and rolled into the next during `year`."""
    first, last = rules.rolled_in_year(year)
    return Cycle.objects.filter(state=Cycle.State.COMPLIANT, end_on__gte=first, end_on__lte=last).order_by()


def population_cycles(year: int) -> QuerySet[Cycle]:
    """The audited cycle of each certification in `year`'s population: one per certification (the latest,
    if a reinstatement made two)."""
    rolled = rolled_cycles(year)
    later = rolled.filter(certification_id=OuterRef("certification_id"), end_on__gt=OuterRef("end_on"))
    return rolled.exclude(Exists(later))


def population(year: int) -> dict[int, tuple[int, Decimal]]:
    """Certification id -> (audited cycle id, its required points) of `year`'s population."""
    rows = population_cycles(year).values_list("certification_id", "pk", "required_points")
    # A compliant cycle froze its required points when it closed.
    return {
        certification_id: (cycle_id, required or Decimal(0)) for certification_id, cycle_id, required in rows
    }


@dataclass(frozen=True)
class CampaignStart:
    campaign: AuditCampaign
    created: bool


def campaign_start(
    *, year: int, today: datetime.date, actor: User | None, source: str, seed: str | None = None
) -> CampaignStart:
    """Start `year`'s campaign: the population, N, the seeded selection and the selected audits, in one
    transaction. Starting it again, or twice at once, gives the one campaign (unique year)."""
    if year >= today.year:
        raise ValidationError(
            f"The {year} campaign can start once {year} has ended (from January {year + 1})."
        )
    existing = AuditCampaign.objects.filter(year=year).first()
    if existing:
        return CampaignStart(existing, created=False)
    try:
        with transaction.atomic():
            campaign = _select(year=year, today=today, actor=actor, source=source, seed=seed)
    except IntegrityError:  # started meanwhile by someone else: theirs is the campaign
        return CampaignStart(AuditCampaign.objects.get(year=year), created=False)
    return CampaignStart(campaign, created=True)


def _select(*, year, today, actor, source, seed) -> AuditCampaign:
    policy = AuditPolicy.current()
    in_database = connection.vendor == "postgresql"  # set-based: the population stays in the database
    rolled = {} if in_database else population(year)
    if in_database:
        count, digest, one_cycle_each = selection_sql.population_facts(rolled_cycles(year))
    else:
        count, digest = len(rolled), rules.population_digest(rolled)
    campaign = AuditCampaign.objects.create(
        year=year,
        seed=seed or secrets.token_hex(16),
        sample_rate=None if policy.sample_size is not None else policy.sample_rate,
        sample_size=policy.sample_size,
        population_count=count,
        population_digest=digest,
        selected_count=rules.sample_size(population=count, rate=policy.sample_rate, fixed=policy.sample_size),
        started_on=today,
        started_at=clock.now(),
        started_by=actor,
        source=source,
    )
    deadline = rules.deadline_after(today, policy.deadline_days)
    template = Audit(
        campaign=campaign,
        state=Audit.State.SELECTED,
        selected_on=today,
        deadline=deadline,
        deadline_set_on=today,
        waiting_since=clock.now(),
    )
    if in_database:
        cycles = rolled_cycles(year) if one_cycle_each else population_cycles(year)
        selection_sql.store_selection(campaign, cycles, template=template)
    else:
        _store_selection(campaign, rolled, template=template)
    # The "selected" event and the audited cycle's lock are written as each audit is prepared (minutes later,
    # by the job the start queues): the selection itself writes only the audits.
    return campaign


def _store_selection(campaign: AuditCampaign, rolled: dict, *, template: Audit) -> None:
    """The selection by the rule itself (audits.rules.select), each audit and its event as the templates."""
    chosen = rules.select(seed=campaign.seed, population_ids=rolled, n=campaign.selected_count)
    Audit.objects.bulk_create(
        [
            _copy(
                template,
                certification_id=pk,
                cycle_id=rolled[pk][0],
                required_points=rolled[pk][1],
                rank=rank,
            )
            for rank, pk in enumerate(chosen, start=1)
        ],
        batch_size=2000,
    )


def _copy(instance, **changes):
    """An unsaved copy of an unsaved model instance, with `changes`."""
    duplicate = copy.copy(instance)
    for name, value in changes.items():
        setattr(duplicate, name, value)
    return duplicate


def _counted_at_close(cycle: Cycle, activity_id: int, *, live: bool) -> bool:
    """Whether the activity counted in the audited cycle's stored closing result: an activity recorded after
    the close (a period reaching back into it) never counted for it, so it is not audited."""
    stored = (cycle.closing_result or {}).get("activities")
    if stored is None:
        return live
    return bool(stored.get(str(activity_id), {}).get("counts"))


def _selected_event(audit: Audit) -> AuditEvent:
    campaign = audit.campaign
    event = new_event(
        audit,
        kind=AuditEvent.Kind.SELECTED,
        to_state=Audit.State.SELECTED,
        message=f"{campaign.year} campaign, proof due {format_date(audit.deadline)}.",
        today=audit.selected_on,
        actor=campaign.started_by,
        source=campaign.source,
    )
    return event


def _prepare_chunk(ids: list[int], *, today: datetime.date, categories, source: str) -> int:
    audits = list(
        Audit.objects.select_for_update(of=("self",))
        .filter(pk__in=ids, prepared_at=None)
        .select_related(
            "campaign", "cycle__certification", "certification__credential", "certification__member__user"
        )
        .order_by("pk")
    )
    ccp_services.cycles_mark_under_audit(cycle_ids=[audit.cycle_id for audit in audits])
    AuditEvent.objects.bulk_create([_selected_event(audit) for audit in audits])
    activities = ccp_selectors.activities_of_cycles([audit.cycle for audit in audits])
    drafts = []
    for audit in audits:
        result = ccp_selectors.evaluate(
            window=audit.cycle.window,
            today=today,
            required=audit.required_points,
            activities=activities[audit.cycle_id],
            categories=categories,
        )
        claimed = [
            a
            for a in activities[audit.cycle_id]
            if _counted_at_close(audit.cycle, a.pk, live=result.activities[a.pk].counts)
        ]
        verified = [a for a in claimed if a.source == Activity.Source.ONLINE]
        AuditItem.objects.bulk_create(
            [
                AuditItem(
                    audit=audit,
                    activity=activity,
                    verified=activity.source == Activity.Source.ONLINE,
                    state=AuditItem.State.ACCEPTED
                    if activity.source == Activity.Source.ONLINE
                    else AuditItem.State.NEEDS_PROOF,
                )
                for activity in claimed
            ]
        )
        verified_result = ccp_selectors.evaluate(
            window=audit.cycle.window,
            today=today,
            required=audit.required_points,
            activities=verified,
            categories=categories,
        )
        audit.prepared_at = clock.now()
        audit.save(update_fields=["prepared_at"])
        passed = rules.verified_outcome(
            verified_points=verified_result.counted, required=audit.required_points
        )
        if passed:
            audit.passed_by_verified = True
            audit.accepted_points = verified_result.counted
            audit.save(update_fields=["passed_by_verified", "accepted_points"])
            audit_finish(
                audit=audit,
                passed=True,
                reason=passed.reason,
                decided_on=today,
                today=today,
                actor=None,
                source=source,
            )
        drafts += notices.selection_drafts(audit)
    notices.send(drafts)
    return len(audits)


def audits_prepare(*, today: datetime.date, chunk_size: int = 200, source: str = "audit preparation") -> int:
    """List each selected audit's activities (verified online CE accepted at once), pass at selection those
    whose verified points alone suffice, and tell every member. Chunked and resumable: an audit is prepared
    once (its `prepared_at`), in the same transaction as its items and its notices."""
    ids = list(Audit.objects.filter(prepared_at=None).order_by("pk").values_list("pk", flat=True))
    categories = ccp_selectors.category_rules()
    return run_in_chunks(
        ids,
        chunk_size,
        lambda chunk: _prepare_chunk(chunk, today=today, categories=categories, source=source),
    )


@dataclass(frozen=True)
class Verification:
    population_matches: bool
    selection_matches: bool
    population_count: int
    selected_count: int
    missing: list[int]  # selected by the rule but not stored
    extra: list[int]  # stored but not selected by the rule

    @property
    def ok(self) -> bool:
        return self.population_matches and self.selection_matches


def campaign_verify(*, campaign: AuditCampaign) -> Verification:
    """Re-derive the population and the selection from the database and the stored seed."""
    ids = sorted(population(campaign.year))
    digest_ok = (
        rules.population_digest(ids) == campaign.population_digest and len(ids) == campaign.population_count
    )
    expected = rules.select(seed=campaign.seed, population_ids=ids, n=campaign.selected_count)
    stored = dict(campaign.audits.values_list("certification_id", "rank"))
    in_order = [pk for pk, _ in sorted(stored.items(), key=lambda pair: pair[1])]
    return Verification(
        population_matches=digest_ok,
        selection_matches=in_order == expected,
        population_count=len(ids),
        selected_count=len(stored),
        missing=sorted(set(expected) - set(stored)),
        extra=sorted(set(stored) - set(expected)),
    )

"""The annual CCP audit on real PostgreSQL: two starts of a campaign at once, two decisions on one activity
at once, and a 300-certification year run through its jobs twice (the second run writes nothing) and
killed part-way (resumed, it ends as a clean run does).

Each thread has its own database connection and data is committed, so the tests are transactional and
re-seed the configuration rows the flush removes.
"""

import datetime
import itertools
import re
import threading
from contextlib import contextmanager
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db.models import Count, Q

from audits import rules, services
from audits import seeding as audits_seeding
from audits.models import Audit, AuditCampaign, AuditEvent, AuditItem, AuditPolicy
from audits.services import campaigns, jobs
from billing import seeding as billing_seeding
from billing.models import Invoice
from ccp import seeding as ccp_seeding
from ccp import services as ccp_services
from ccp.models import Cycle
from members import seeding as members_seeding
from members import services as member_services
from members.models import Certification, Notice, StatusChange
from members.rules import dates
from tests.audits.conftest import DEADLINE, START_DAY, record, rolled_certification, start_campaign
from tests.factories import make_certification, make_staff
from tests.files import pdf_bytes
from tests.integration.conftest import THREAD_TIMEOUT, at_once

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("require_postgres", "seeded"),
]

# --- (a) Two starts of one campaign at once -------------------------------------------------------------


def test_two_starts_of_the_2025_campaign_at_once_make_one_campaign_and_one_selection(monkeypatch):
    for online in (0, 0, 3, 0, 0, 1):
        rolled_certification(online=online)
    AuditPolicy.objects.filter(pk=1).update(sample_rate=Decimal("0.5"), sample_size=None)
    # Both starts read the population only once both have found no campaign: a real race on the insert.
    both_inside = threading.Barrier(2, timeout=THREAD_TIMEOUT)
    real_population = campaigns.population

    def population_once_both_inside(year):
        both_inside.wait()
        return real_population(year)

    def start(seed):
        def call():
            result = services.campaign_start(year=2025, today=START_DAY, actor=None, source=seed, seed=seed)
            return result.created, result.campaign.pk, result.campaign.seed

        return call

    with monkeypatch.context() as patch:
        patch.setattr(campaigns, "population", population_once_both_inside)
        results = at_once(start("seed-one"), start("seed-two"))

    assert sorted(created for created, _, _ in results) == [False, True]
    assert len({pk for _, pk, _ in results}) == 1
    campaign = AuditCampaign.objects.get()
    winner = next(seed for created, _, seed in results if created)
    assert (campaign.year, campaign.seed, campaign.source) == (2025, winner, winner)
    assert (campaign.population_count, campaign.selected_count) == (6, 3)
    assert campaign.audits.count() == 3
    assert sorted(campaign.audits.values_list("rank", flat=True)) == [1, 2, 3]
    assert services.audits_prepare(today=START_DAY) == 3  # the selected events and cycle locks come here
    selected_events = AuditEvent.objects.filter(kind=AuditEvent.Kind.SELECTED)
    assert sorted(selected_events.values_list("audit_id", flat=True)) == sorted(
        campaign.audits.values_list("pk", flat=True)
    )
    # each audited cycle is under audit, or audited already (passed at selection by verified online CE)
    audited = Cycle.objects.filter(Q(under_audit=True) | ~Q(audit_result=""))
    assert set(audited.values_list("pk", flat=True)) == set(
        campaign.audits.values_list("cycle_id", flat=True)
    )
    assert services.campaign_verify(campaign=campaign).ok


def test_two_preparations_at_once_list_each_activity_and_tell_each_member_once():
    for online in (0, 3, 1, 0):
        rolled_certification(online=online)
    AuditPolicy.objects.filter(pk=1).update(sample_rate=Decimal("1"), sample_size=None)
    services.campaign_start(year=2025, today=START_DAY, actor=None, source="test", seed="demo-seed")

    prepared = at_once(
        *[lambda: services.audits_prepare(today=START_DAY, chunk_size=1)] * 2,
        hold=Audit.objects.all(),
    )

    assert sum(prepared) == 4
    assert not Audit.objects.filter(prepared_at=None).exists()
    assert AuditItem.objects.count() == 12  # three activities per audit, listed once
    assert AuditItem.objects.values("audit_id", "activity_id").distinct().count() == 12
    selection = Notice.objects.filter(kind="audit", key__endswith="-selected")
    # By e-mail and letter; by e-mail only for the one passed at once by verified online CE.
    assert selection.count() == 4 + 3
    assert Audit.objects.filter(state=Audit.State.PASSED).count() == 1
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.MOVE, to_state=Audit.State.PASSED).count() == 1


def test_the_selection_in_sql_equals_the_rule_and_takes_the_latest_of_two_cycles_rolled_in_the_year():
    """PostgreSQL selects set-based (audits.services.selection_sql); campaign_verify re-derives it with the
    rule in Python. A reinstated certification with two compliant cycles rolled in 2025 counts once, with
    its later cycle."""
    certifications = [rolled_certification() for _ in range(5)]
    reinstated = certifications[2]
    later = Cycle.objects.create(
        certification=reinstated, anchor_on=datetime.date(2022, 7, 1), number=0,
        start_on=datetime.date(2022, 7, 1), end_on=datetime.date(2025, 6, 30), state=Cycle.State.COMPLIANT,
        closed_on=datetime.date(2025, 7, 1), required_points=Decimal(30), counted_points=Decimal(30),
    )  # fmt: skip
    AuditPolicy.objects.filter(pk=1).update(sample_size=5)

    campaign = services.campaign_start(
        year=2025, today=START_DAY, actor=None, source="test", seed="s"
    ).campaign

    assert (campaign.population_count, campaign.selected_count) == (5, 5)
    assert campaigns.population(2025)[reinstated.pk][0] == later.pk
    check = services.campaign_verify(campaign=campaign)
    assert check.ok, check
    expected = rules.select(seed="s", population_ids=[c.pk for c in certifications], n=5)
    assert list(campaign.audits.order_by("rank").values_list("certification_id", flat=True)) == expected
    assert campaign.audits.get(certification=reinstated).cycle_id == later.pk
    services.audits_prepare(today=START_DAY)
    assert AuditEvent.objects.filter(audit__campaign=campaign, kind=AuditEvent.Kind.SELECTED).count() == 5


def test_an_empty_year_starts_a_campaign_of_nobody():
    campaign = services.campaign_start(
        year=2025, today=START_DAY, actor=None, source="test", seed="s"
    ).campaign

    assert (campaign.population_count, campaign.selected_count) == (0, 0)
    assert campaign.population_digest == rules.population_digest([])
    assert services.campaign_verify(campaign=campaign).ok


# --- (b) Two decisions on one activity at once ----------------------------------------------------------


@pytest.fixture
def submitted_audit():
    """A submitted audit (three activities with proof), claimed by its reviewer."""
    certification = rolled_certification()
    start_campaign()
    audit = Audit.objects.get(certification=certification)
    member = certification.member.user
    for item in audit.items.all():
        upload = SimpleUploadedFile("proof.pdf", pdf_bytes(), content_type="application/pdf")
        services.audit_attach_proof(audit=audit, item_id=item.pk, upload=upload, user=member, today=START_DAY)
    services.audit_submit(audit=audit, user=member, today=START_DAY)
    reviewer = make_staff("Audit reviewer")
    services.audit_claim(audit=audit, user=reviewer, today=START_DAY)
    return SimpleNamespace(audit=audit, reviewer=reviewer, item=audit.items.order_by("pk").first())


@pytest.mark.parametrize(
    "decisions",
    [("accept", "accept"), ("accept", "refuse"), ("refuse", "more")],
    ids=["two tabs accepting", "accept against refuse", "refuse against ask for more"],
)
def test_two_decisions_on_one_activity_at_once_store_one(submitted_audit, decisions):
    audit, reviewer, item = submitted_audit.audit, submitted_audit.reviewer, submitted_audit.item

    def decide(decision):
        def call():
            try:
                services.audit_item_decide(
                    audit=audit, item_id=item.pk, decision=decision, message=f"Reason: {decision}",
                    user=reviewer, today=START_DAY,
                )  # fmt: skip
            except ValidationError as refusal:
                return decision, refusal.messages[0]
            return decision, "stored"

        return call

    results = at_once(*[decide(decision) for decision in decisions], hold=Audit.objects.filter(pk=audit.pk))

    stored = [decision for decision, outcome in results if outcome == "stored"]
    refused = [outcome for _, outcome in results if outcome != "stored"]
    assert len(stored) == 1 and len(refused) == 1, results
    assert f"“{item.activity.title}” was already decided: " in refused[0]
    assert f"by {reviewer.get_full_name() or reviewer.email} at " in refused[0]
    item.refresh_from_db()
    assert item.state == {"accept": "accepted", "refuse": "refused", "more": "more_requested"}[stored[0]]
    assert item.decided_by == reviewer
    decisions_stored = AuditEvent.objects.filter(audit=audit, kind=AuditEvent.Kind.DECISION, item=item)
    assert decisions_stored.count() == 1
    assert decisions_stored.get().to_state == item.state


# --- (c) A year of 300 certifications through the jobs --------------------------------------------------

CREDENTIALS = ("RMA", "RPT", "MT", "CMAS")  # 30, 24, 45 and 30 points per cycle
ROLLED_BY = datetime.date(2025, 12, 31)  # the roll job caught up: every cycle below rolled in 2025
YEAR_SIZE = 300
SAMPLE_RATE = Decimal("0.1")  # N = 30
SEED = "integration-seed"
EXTENSION_DAYS = 20
ACTED_ON = START_DAY + datetime.timedelta(days=5)  # members answer, reviewers decide
DAYS = [
    START_DAY,  # the scheduled start (auto_start_day 15), preparation
    DEADLINE - datetime.timedelta(days=30),  # first reminders
    DEADLINE - datetime.timedelta(days=7),  # second reminders
    DEADLINE + datetime.timedelta(days=1),  # no answer: failed
    DEADLINE + datetime.timedelta(days=EXTENSION_DAYS - 7),  # the extended audit's second reminder
    DEADLINE + datetime.timedelta(days=EXTENSION_DAYS + 1),  # the extended audit fails too
]
PREPARE_CHUNK, REMIND_CHUNK = 4, 5


def build_year(count: int = YEAR_SIZE) -> None:
    """`count` certifications through the services, first certified through 2022 so that their first
    cycle ends (and rolls) in 2025, all paid up: one in ten attested, two in ten have their points from the
    body's online CE (verified), the rest recorded three courses themselves (one of them online for some).
    About 26 s for 300."""
    for index in range(count):
        certified_on = datetime.date(2022, 1, 10) + datetime.timedelta(days=index % 340)
        certification = make_certification(
            code=CREDENTIALS[index % len(CREDENTIALS)], certified_on=certified_on, today=certified_on
        )
        kind = index % 10
        if kind == 0:
            cycle = Cycle.objects.get(certification=certification, state=Cycle.State.OPEN)
            ccp_services.cycle_attest(
                cycle=cycle, signed_name=certification.member.full_name, user=certification.member.user,
                today=cycle.end_on - datetime.timedelta(days=10),
            )  # fmt: skip
        else:
            online = 3 if kind in (1, 2) else (1 if kind == 3 else 0)
            for number in range(3):
                on = certified_on + datetime.timedelta(days=400 + 30 * number)
                title = f"Course {index}-{number}"
                record(certification, on=on, hours="15", title=title, online=number < online)
        paid_through = dates.add_years(dates.initial_paid_through(certified_on) + dates.ONE_DAY, 5)
        member_services.certification_record_paid_through(
            certification=certification, paid_through=paid_through - dates.ONE_DAY, today=certified_on,
            source="test",
        )  # fmt: skip
    ccp_services.cycles_roll(today=ROLLED_BY)
    AuditPolicy.objects.filter(pk=1).update(sample_rate=SAMPLE_RATE, sample_size=None, auto_start_day=15)


@pytest.fixture
def fixed_seed(monkeypatch):
    """The scheduled start draws its seed at random: a fixed one, so two runs select the same audits."""
    monkeypatch.setattr(campaigns, "secrets", SimpleNamespace(token_hex=lambda nbytes: SEED))


def run_day(day: datetime.date) -> None:
    """The audit's part of the nightly chain for `day`, in order (small chunks: several per step)."""
    services.audits_start_and_prepare(today=day, chunk_size=PREPARE_CHUNK)
    services.audits_send_reminders(today=day, chunk_size=REMIND_CHUNK)
    services.audits_fail_overdue(today=day)


def members_and_reviewers_act() -> None:
    """Between the jobs: of the audits waiting with activities listed (by rank), the first three are
    answered with proof and submitted, the reviewer passes the first and fails the second and leaves the
    third waiting; the fourth asks for an extension, which is granted. Nobody else answers."""
    reviewer = make_staff("Audit reviewer")
    waiting = [
        audit
        for audit in Audit.objects.filter(state=Audit.State.SELECTED).order_by("rank")
        if audit.items.exists()
    ]
    for audit in waiting[:3]:
        user = audit.certification.member.user
        for item in audit.items.exclude(state=AuditItem.State.ACCEPTED):
            upload = SimpleUploadedFile("proof.pdf", pdf_bytes(), content_type="application/pdf")
            services.audit_attach_proof(
                audit=audit, item_id=item.pk, upload=upload, user=user, today=ACTED_ON
            )
        services.audit_submit(audit=audit, user=user, today=ACTED_ON)
    for audit, decision in ((waiting[0], "accept"), (waiting[1], "refuse")):
        services.audit_claim(audit=audit, user=reviewer, today=ACTED_ON)
        for item in audit.items.exclude(state=AuditItem.State.ACCEPTED):
            services.audit_item_decide(
                audit=audit, item_id=item.pk, decision=decision, message="Not a health-care course",
                user=reviewer, today=ACTED_ON,
            )  # fmt: skip
        services.audit_finalize(audit=audit, user=reviewer, today=ACTED_ON)
    extended = waiting[3]
    services.audit_request_extension(
        audit=extended, reason="In hospital", days=EXTENSION_DAYS, user=extended.certification.member.user,
        today=ACTED_ON,
    )  # fmt: skip
    services.audit_extension_decide(
        audit=extended, grant=True, days=None, reason="", user=reviewer, today=ACTED_ON
    )


def _rows(queryset, *fields) -> list[tuple]:
    return sorted(queryset.values_list(*fields), key=repr)


def _by_rank(key: str) -> str:
    """An audit notice's key names the audit by id; a start killed half-way used up ids (sequences don't
    roll back), so compare by the audit's rank instead."""
    match = re.match(r"audit-(\d+)-", key)
    if not match:
        return key
    rank = Audit.objects.values_list("rank", flat=True).get(pk=match[1])
    return f"audit-rank{rank}-{key[match.end() :]}"


def snapshot() -> dict:
    """Everything the jobs write, without the clock's timestamps (a run may happen at any time)."""
    return {
        "audits by state": dict(Audit.objects.values_list("state").annotate(n=Count("pk")).order_by()),
        "audit events": AuditEvent.objects.count(),
        "notices": Notice.objects.count(),
        "status changes": StatusChange.objects.count(),
        "audits not prepared": Audit.objects.filter(prepared_at=None).count(),
        "campaigns": _rows(
            AuditCampaign.objects, "year", "seed", "population_count", "population_digest", "selected_count"
        ),
        "audit rows": _rows(
            Audit.objects,
            "certification_id",
            "cycle_id",
            "rank",
            "state",
            "deadline",
            "selected_on",
            "passed_by_verified",
            "accepted_points",
            "decided_on",
            "outcome_reason",
            "extension",
            "submitted_on",
        ),
        "items": _rows(
            AuditItem.objects, "audit__certification_id", "activity_id", "state", "verified", "message"
        ),
        "events": _rows(
            AuditEvent.objects,
            "audit__certification_id",
            "item__activity_id",
            "kind",
            "from_state",
            "to_state",
            "message",
            "member_visible",
            "actor_id",
            "source",
            "effective_on",
        ),
        "notice rows": sorted(
            (member, kind, _by_rank(key), channel, state, subject)
            for member, kind, key, channel, state, subject in Notice.objects.values_list(
                "member_id", "kind", "key", "channel", "state", "subject"
            )
        ),
        "status rows": _rows(
            StatusChange.objects,
            "certification_id",
            "from_status",
            "to_status",
            "reason",
            "lapse_date",
            "effective_on",
            "source",
        ),
        "certifications": _rows(Certification.objects, "pk", "status", "lapse_date", "active_through"),
        "cycles": _rows(
            Cycle.objects, "certification_id", "number", "state", "under_audit", "audit_result", "closed_on"
        ),
        "invoices": _rows(Invoice.objects, "certification_id", "fee_year_start", "state"),
    }


def test_a_year_run_twice_each_day_writes_everything_once(fixed_seed):
    build_year()
    before = snapshot()
    for day in DAYS:
        run_day(day)
        first = snapshot()
        run_day(day)
        assert snapshot() == first, f"the second run of {day} changed something"
        if day == START_DAY:
            assert first != before
            members_and_reviewers_act()

    campaign = AuditCampaign.objects.get()
    assert (campaign.population_count, campaign.selected_count) == (YEAR_SIZE, 30)
    assert services.campaign_verify(campaign=campaign).ok
    by_state = snapshot()["audits by state"]
    verified = Audit.objects.filter(passed_by_verified=True).count()
    assert verified > 0
    # Passed: by verified CE at once, and the one the reviewer accepted; the one left waiting on review;
    # every other failed (refused by the reviewer, or no answer by the (extended) deadline).
    assert by_state == {"passed": verified + 1, "submitted": 1, "failed": 30 - verified - 2}
    failed = Audit.objects.filter(state=Audit.State.FAILED)
    assert set(Certification.objects.filter(audits__in=failed).values_list("status", flat=True)) == {
        "noncompliant"
    }
    assert StatusChange.objects.filter(to_status="noncompliant").count() == failed.count()
    reminders = Notice.objects.filter(kind="audit", key__contains="-reminder-")
    assert reminders.filter(state=Notice.State.SENT).exists()
    assert (
        Notice.objects.filter(kind="audit", key__endswith="-outcome", channel="letter").count()
        == failed.count()
    )


class Killed(Exception):
    """The worker died here: the transaction it was in never commits."""


@contextmanager
def killed_at(monkeypatch, owner, name: str, *, call: int):
    """`owner.name` runs as usual, but its `call`-th call raises Killed once it has done its work, inside
    its transaction (the worst moment: everything written, nothing committed)."""
    real = getattr(owner, name)
    calls = itertools.count(1)

    def dying(*args, **kwargs):
        result = real(*args, **kwargs)
        if next(calls) == call:
            raise Killed(f"killed in {name} (call {call})")
        return result

    with monkeypatch.context() as patch:
        patch.setattr(owner, name, dying)
        with pytest.raises(Killed):
            yield


def fresh_database() -> None:
    """Empty tables with their id sequences reset (the selection hashes the ids: two runs need the same
    ones), and the configuration seeded again."""
    call_command("flush", interactive=False, verbosity=0)
    for seeding in (members_seeding, ccp_seeding, billing_seeding, audits_seeding):
        seeding.seed_all(apps)


def test_a_year_killed_part_way_and_run_again_ends_as_a_clean_run(fixed_seed, monkeypatch):
    fresh_database()
    build_year()
    for day in DAYS:
        run_day(day)
        if day == START_DAY:
            members_and_reviewers_act()
    clean = snapshot()

    fresh_database()
    build_year()
    # The start dies after storing the selection: nothing of it stays.
    with killed_at(monkeypatch, campaigns.selection_sql, "store_selection", call=1):
        run_day(START_DAY)
    assert not AuditCampaign.objects.exists()
    assert not Cycle.objects.filter(under_audit=True).exists()
    # The preparation dies in its third chunk: two chunks stay.
    with killed_at(monkeypatch, campaigns, "_prepare_chunk", call=3):
        run_day(START_DAY)
    assert Audit.objects.filter(prepared_at__isnull=False).count() == 2 * PREPARE_CHUNK
    run_day(START_DAY)
    members_and_reviewers_act()
    # The reminders die in their second chunk: the first chunk's stay.
    with killed_at(monkeypatch, jobs, "_remind_chunk", call=2):
        run_day(DAYS[1])
    sent_before_kill = Notice.objects.filter(key__contains="-reminder-").count()
    assert sent_before_kill > 0
    run_day(DAYS[1])
    assert Notice.objects.filter(key__contains="-reminder-").count() > sent_before_kill
    run_day(DAYS[2])
    # The deadline job dies on its fourth failure: three stay failed.
    failed_before = Audit.objects.filter(state=Audit.State.FAILED).count()
    with killed_at(monkeypatch, jobs, "audit_finish", call=4):
        run_day(DAYS[3])
    assert Audit.objects.filter(state=Audit.State.FAILED).count() == failed_before + 3
    for day in DAYS[3:]:
        run_day(day)

    assert snapshot() == clean

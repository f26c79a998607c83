"""The daily cycle roll run by a real Celery worker through Redis against the committed test database."""

import datetime
from decimal import Decimal

import pytest
from django.apps import apps

from ccp import seeding as ccp_seeding
from ccp import services
from ccp.models import ActivityCategory, Cycle
from members.models import Certification, StatusChange
from tests.factories import MemberFactory, make_certification

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

SETUP_DAY = datetime.date(2025, 3, 1)
ROLL_DAY = datetime.date(2025, 5, 14)
CERTIFIED_ON = datetime.date(2022, 5, 14)  # cycle 0: May 14, 2022 .. May 13, 2025; fees due May 31
CYCLE_END = datetime.date(2025, 5, 13)


@pytest.fixture
def ccp_seeded(seeded):
    """The activity categories too: a transactional test flushes the rows of the data migrations."""
    ccp_seeding.seed_all(apps)


def certification_with_hours(hours: int, *, paid_through: datetime.date | None) -> Certification:
    made = make_certification(
        MemberFactory(), certified_on=CERTIFIED_ON, paid_through=paid_through, today=SETUP_DAY
    )
    services.activity_record(
        certification=made,
        today=SETUP_DAY,
        recorded_by=made.member.user,
        category=ActivityCategory.objects.get(code="professional-education"),
        title="Phlebotomy safety course",
        completed_on=datetime.date(2024, 9, 1),
        quantity=Decimal(hours),
        helps_job=True,
    )
    return made


@pytest.fixture
def certifications(ccp_seeded):
    """Committed: two with the points (one of them Lapsed (fees)), one short, each with its cycle 0 open."""
    made = {
        "compliant": certification_with_hours(32, paid_through=datetime.date(2025, 4, 30)),
        "lapsed compliant": certification_with_hours(30, paid_through=None),
        "short": certification_with_hours(12, paid_through=datetime.date(2025, 4, 30)),
    }
    assert [c.status for c in made.values()] == ["active", "lapsed", "active"]
    assert Cycle.objects.filter(state="open", end_on=CYCLE_END).count() == 3
    return made


def states(certification) -> list[tuple]:
    return list(
        Cycle.objects.filter(certification=certification)
        .order_by("number")
        .values_list("number", "start_on", "end_on", "state", "closed_on")
    )


def test_a_real_worker_rolls_the_cycles_that_ended(celery_worker_process, certifications):
    history = StatusChange.objects.count()

    report = celery_worker_process.run("ccp.tasks.roll_cycles", ROLL_DAY.isoformat())

    assert report == "2 rolled, 1 not compliant, 0 ended (not active)"
    rolled = [
        (0, CERTIFIED_ON, CYCLE_END, "compliant", ROLL_DAY),
        (1, ROLL_DAY, datetime.date(2028, 5, 13), "open", None),
    ]
    assert states(certifications["compliant"]) == rolled
    assert states(certifications["lapsed compliant"]) == rolled
    assert states(certifications["short"]) == [(0, CERTIFIED_ON, CYCLE_END, "noncompliant", ROLL_DAY)]

    def fresh(name):
        return Certification.objects.get(pk=certifications[name].pk)

    assert (fresh("compliant").status, fresh("compliant").ccp_compliant_through) == ("active", CYCLE_END)
    assert (fresh("lapsed compliant").status, fresh("lapsed compliant").lapse_date) == (
        "lapsed",
        datetime.date(2023, 6, 1),
    )
    short = fresh("short")
    assert (short.status, short.lapse_date, short.ccp_failed_on) == ("noncompliant", ROLL_DAY, ROLL_DAY)
    change = StatusChange.objects.get(certification=short, to_status="noncompliant")
    assert (change.from_status, change.source, change.effective_on) == (
        "active",
        "daily cycle roll",
        ROLL_DAY,
    )
    assert StatusChange.objects.count() == history + 1
    closed = Cycle.objects.get(certification=certifications["compliant"], number=0)
    assert (closed.required_points, closed.counted_points) == (Decimal("30.00"), Decimal("32.00"))

    # A second run the same day finds nothing left to roll
    assert celery_worker_process.run("ccp.tasks.roll_cycles", ROLL_DAY.isoformat()) == (
        "0 rolled, 0 not compliant, 0 ended (not active)"
    )
    assert StatusChange.objects.count() == history + 1

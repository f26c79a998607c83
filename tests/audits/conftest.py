"""Audit fixtures: certifications whose first cycle closed compliant and rolled in 2025, and the 2025
campaign started in January 2026 (the audited cycle ran 2022-01-10 .. 2025-01-09)."""

import datetime
from decimal import Decimal

import pytest

from audits import services
from audits.models import Audit, AuditPolicy
from ccp import services as ccp_services
from ccp.models import Activity, ActivityCategory, Cycle
from members import services as member_services
from tests.factories import make_certification

CERTIFIED_ON = datetime.date(2022, 1, 10)
CYCLE_END = datetime.date(2025, 1, 9)
ROLL_DAY = datetime.date(2025, 1, 10)
START_DAY = datetime.date(2026, 1, 15)  # the 2025 campaign; its deadline is 60 days later
DEADLINE = START_DAY + datetime.timedelta(days=60)


def record(certification, *, on: datetime.date, hours: str, title: str, online: bool = False) -> Activity:
    """A professional-education claim recorded the day it was completed (online: from the body's CE)."""
    extra = {"source": Activity.Source.ONLINE, "external_id": f"course-{title}"} if online else {}
    return ccp_services.activity_record(
        certification=certification,
        today=on,
        recorded_by=None,
        category=ActivityCategory.objects.get(code="professional-education"),
        title=title,
        completed_on=on,
        quantity=Decimal(hours),
        helps_job=True,
        **extra,
    )


def rolled_certification(*, member=None, claims=(("10", "Course A"), ("10", "Course B"), ("10", "Course C")),
                         online: int = 0, attest: bool = False):  # fmt: skip
    """A certification paid through 2027 whose first cycle closed compliant on ROLL_DAY. `claims`: (hours,
    title) recorded in 2023; the first `online` of them come from the body's online CE."""
    certification = make_certification(member, certified_on=CERTIFIED_ON, today=CERTIFIED_ON)
    for index, (hours, title) in enumerate(claims):
        on = datetime.date(2023, 3, 1) + datetime.timedelta(days=index)
        record(certification, on=on, hours=hours, title=title, online=index < online)
    if attest:
        cycle = Cycle.objects.get(certification=certification, state=Cycle.State.OPEN)
        ccp_services.cycle_attest(
            cycle=cycle,
            signed_name=certification.member.full_name,
            user=certification.member.user,
            today=CYCLE_END,
        )
    member_services.certification_record_paid_through(
        certification=certification, paid_through=datetime.date(2027, 1, 31), today=ROLL_DAY, source="test"
    )
    ccp_services.cycles_roll(today=ROLL_DAY)
    certification.refresh_from_db()
    return certification


def start_campaign(*, rate: str = "1", seed: str = "demo-seed") -> None:
    AuditPolicy.objects.filter(pk=1).update(sample_rate=Decimal(rate), sample_size=None)
    services.campaign_start(year=2025, today=START_DAY, actor=None, source="test", seed=seed)
    services.audits_prepare(today=START_DAY)


@pytest.fixture
def audit(seeded) -> Audit:
    """One selected audit (3 member-recorded activities of 10 hours, 30 points required), prepared."""
    certification = rolled_certification()
    start_campaign()
    return Audit.objects.get(certification=certification)

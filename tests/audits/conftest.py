"""Audit fixtures: certifications whose first cycle closed compliant and rolled in 2025, and the 2025
campaign started in January 2026 (the audited cycle ran 2022-01-10 .. 2025-01-09)."""

import datetime
from decimal import Decimal

import pytest

from audits import services
from audits.models import Audit, AuditCampaign, AuditEvent, AuditItem, AuditPolicy
from billing.models import Invoice
from ccp import services as ccp_services
from ccp.models import Activity, ActivityDocument, Cycle
from members import services as member_services
from members.models import Certification, Notice, StatusChange
from tests.factories import course_fields, make_certification

CERTIFIED_ON = datetime.date(2022, 1, 10)
CYCLE_END = datetime.date(2025, 1, 9)
ROLL_DAY = datetime.date(2025, 1, 10)
START_DAY = datetime.date(2026, 1, 15)  # the 2025 campaign; its deadline is 60 days later
DEADLINE = START_DAY + datetime.timedelta(days=60)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Uploaded proof is stored in a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def record(certification, *, on: datetime.date, hours: str, title: str, online: bool = False) -> Activity:
    """A professional-education claim recorded the day it was completed (online: from the body's CE)."""
    return ccp_services.activity_record(
        certification=certification,
        today=on,
        recorded_by=None,
        **course_fields(title=title, on=on, hours=hours, online=online),
    )


def attest_open_cycle(certification) -> None:
    """The member attests the open cycle on its last day."""
    cycle = Cycle.objects.get(certification=certification, state=Cycle.State.OPEN)
    ccp_services.cycle_attest(
        cycle=cycle,
        signed_name=certification.member.full_name,
        user=certification.member.user,
        today=cycle.end_on,
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
        attest_open_cycle(certification)
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


def database_state() -> dict:
    """Everything an audit service or job may write, to show that a refusal or a rerun wrote nothing."""
    return {
        "campaigns": list(AuditCampaign.objects.order_by("pk").values()),
        "audits": list(Audit.objects.order_by("pk").values()),
        "items": list(AuditItem.objects.order_by("pk").values()),
        "events": list(AuditEvent.objects.order_by("pk").values_list("pk", flat=True)),
        "notices": list(Notice.objects.order_by("pk").values_list("pk", "state")),
        "documents": list(ActivityDocument.objects.order_by("pk").values_list("pk", flat=True)),
        "activities": list(Activity.objects.order_by("pk").values()),
        "cycles": list(Cycle.objects.order_by("pk").values("pk", "state", "under_audit", "audit_result")),
        "certifications": list(
            Certification.objects.order_by("pk").values("pk", "status", "lapse_date", "audit_failed_on")
        ),
        "status_changes": StatusChange.objects.count(),
        "invoices": list(Invoice.objects.order_by("pk").values_list("pk", "state")),
    }

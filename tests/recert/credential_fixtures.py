"""Certifications for the credential tests, made through the services: one Active on TODAY (certified
2024-05-14, fees paid through May 2027), and the ways it stops being Active."""

import datetime

from members import services as member_services
from tests.factories import MemberFactory, make_certification

TODAY = datetime.date(2026, 11, 29)
CERTIFIED_ON = datetime.date(2024, 5, 14)
PAID_THROUGH = datetime.date(2027, 5, 31)


def active_certification(member=None, *, code: str = "RMA"):
    member = member or MemberFactory(first_name="Ana", last_name="O’Neil", user__first_name="Ana")
    return make_certification(
        member, code=code, certified_on=CERTIFIED_ON, today=TODAY, paid_through=PAID_THROUGH
    )


def refresh(certification, today: datetime.date):
    return member_services.certification_refresh_status(
        certification=certification, today=today, source="test"
    )


def lapse(certification):
    """The next annual fee unpaid: Lapsed (fees) once its due date has passed (status refreshed that day)."""
    lapsed_on = datetime.date(2027, 7, 1)
    return refresh(certification, lapsed_on), lapsed_on


def pay(certification, today: datetime.date):
    """The unpaid fee paid: Active again on the same event."""
    return member_services.certification_record_paid_through(
        certification=certification, paid_through=datetime.date(2028, 5, 31), today=today, source="test"
    )

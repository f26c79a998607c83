"""ccp.reports: a compliant cycle whose counted points reach the requirement is compliant by points, one
short of it was made compliant by its attestation; open cycles are not counted."""

import datetime
from decimal import Decimal

from ccp import reports
from ccp.models import Cycle
from tests.factories import make_certification


def test_compliance_by_points_or_by_attestation(seeded):
    certification = make_certification(
        certified_on=datetime.date(2016, 3, 1), today=datetime.date(2026, 6, 1)
    )
    Cycle.objects.filter(certification=certification).delete()
    for number, (state, counted) in enumerate(
        [("compliant", "30.00"), ("compliant", "29.99"), ("noncompliant", "3"), ("inactive", None)]
    ):
        end = datetime.date(2025, 1 + number, 1)
        Cycle.objects.create(
            certification=certification, anchor_on=datetime.date(2016, 3, 1), number=number,
            start_on=end.replace(year=2022), end_on=end, state=state, required_points=Decimal(30),
            counted_points=Decimal(counted) if counted else None,
        )  # fmt: skip
    Cycle.objects.create(
        certification=certification, anchor_on=datetime.date(2016, 3, 1), number=9,
        start_on=datetime.date(2025, 3, 1), end_on=datetime.date(2025, 12, 1),
    )  # fmt: skip
    assert reports.cycle_outcomes_by_year(first_year=2025, last_year=2025) == [
        {"year": 2025, "by_points": 1, "by_attestation": 1, "noncompliant": 1, "inactive": 1}
    ]
    assert reports.cycle_outcomes_by_year(first_year=2026, last_year=2030) == []

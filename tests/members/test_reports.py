"""members.reports: the lapse forecast's cause follows the status rules (the member's timeline), with and
without grace; the Active count at month ends follows the status history."""

import datetime

import pytest

from members import reports, rules
from members.models import Certification, CertificationPolicy, StatusChange
from members.services import certifications_refresh_statuses
from tests.factories import make_certification

TODAY = datetime.date(2026, 6, 15)
D = datetime.date


@pytest.mark.parametrize("grace_days", [0, 10])
def test_the_forecast_names_the_same_cause_as_the_status_rules(seeded, grace_days):
    """Given certifications made through the services (fee due before the cycle end, cycle end before the
    fee, both the same day, exempt from CCP), the forecast splits them by cause as the rules do."""
    CertificationPolicy.objects.update(grace_days=grace_days)
    cases = [
        (D(2019, 7, 14), D(2026, 6, 30)),  # fee due 2026-07-31, cycle ends 2028-07-13: fee
        (D(2023, 9, 1), D(2026, 8, 31)),  # cycle ends 2026-08-31, fee due 2026-09-30: CCP
        (D(2020, 10, 31), D(2026, 9, 30)),  # cycle ends 2026-10-30 (31st + 6 years - 1), fee 2026-10-31: CCP
        (D(2017, 11, 30), D(2026, 10, 31)),  # cycle ends 2026-11-29, fee due 2026-11-30: CCP unless no grace
        (D(2003, 2, 1), D(2027, 1, 31)),  # exempt from CCP (before 2006): fee due 2027-02-28
    ]
    for certified_on, paid_through in cases:
        make_certification(certified_on=certified_on, paid_through=paid_through, today=TODAY)
    certifications_refresh_statuses(today=TODAY, source="test")

    expected = {"fee": 0, "ccp": 0}
    for certification in Certification.objects.filter(status="active"):
        fee_last_day = (
            rules.fee_lapse_date(due_on=certification.next_fee_due_on, grace_days=grace_days) - rules.ONE_DAY
        )
        expected["fee" if certification.active_through == fee_last_day else "ccp"] += 1
    rows = reports.lapse_forecast(first_month=D(2026, 6, 1), months=12, grace_days=grace_days)
    assert {"fee": sum(r["fee"] for r in rows), "ccp": sum(r["ccp"] for r in rows)} == expected
    assert expected["fee"] >= 2 and expected["ccp"] >= 2  # both causes are exercised


def test_the_forecast_month_is_the_first_day_not_active(seeded):
    """Active through July 31 (fee due then): the first day not Active is August 1, so August."""
    make_certification(certified_on=D(2019, 7, 14), paid_through=D(2026, 6, 30), today=TODAY)
    rows = reports.lapse_forecast(first_month=D(2026, 6, 1), months=12, grace_days=0)
    assert rows == [{"month": D(2026, 8, 1), "fee": 1, "ccp": 0}]


def test_a_certification_counts_as_active_from_its_first_status_to_its_lapse(seeded):
    """Enrolled (Active) on March 10, its first fee due May 31 unpaid: Lapsed on June 1 by the daily job. It
    is Active at the end of March, April and May, not at the end of February or June."""
    make_certification(certified_on=D(2025, 5, 14), today=D(2026, 3, 10))
    certifications_refresh_statuses(today=D(2026, 6, 1), source="test")
    assert StatusChange.objects.filter(
        from_status="active", to_status="lapsed", effective_on=D(2026, 6, 1)
    ).exists()
    month_ends = [D(2026, 2, 28), D(2026, 3, 31), D(2026, 4, 30), D(2026, 5, 31), D(2026, 6, 30)]
    assert list(reports.active_at_month_ends(month_ends=month_ends).values()) == [0, 1, 1, 1, 0]

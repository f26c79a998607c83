"""The daily status job run by a real Celery worker through Redis against the committed test database."""

import datetime

import pytest

from members import services
from members.models import Certification, StatusChange
from tests.factories import make_certification

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

RUN_ON = datetime.date(2024, 6, 15)
CERTIFIED_ON = datetime.date(2019, 5, 14)  # fee years run May 1 - April 30; fees are due May 31


def run_daily_status_job(worker, day: datetime.date) -> int:
    return worker.run("members.tasks.refresh_statuses", day.isoformat())


@pytest.fixture
def certifications(seeded):
    """Certifications committed to the test database, all Active before RUN_ON except `stays_lapsed`."""
    becomes_lapsed = make_certification(
        certified_on=CERTIFIED_ON, paid_through=datetime.date(2024, 4, 30), today=datetime.date(2024, 5, 20)
    )
    becomes_must_recertify = make_certification(
        code="MT",
        certified_on=CERTIFIED_ON,
        paid_through=datetime.date(2021, 4, 30),
        today=datetime.date(2021, 5, 20),
    )
    stays_lapsed = make_certification(
        certified_on=CERTIFIED_ON, paid_through=datetime.date(2023, 4, 30), today=datetime.date(2023, 5, 20)
    )
    stays_lapsed = services.certification_refresh_status(
        certification=stays_lapsed, today=datetime.date(2023, 7, 1), source="test"
    )
    stays_active = make_certification(
        certified_on=CERTIFIED_ON, paid_through=datetime.date(2025, 4, 30), today=datetime.date(2024, 5, 20)
    )
    assert [c.status for c in (becomes_lapsed, becomes_must_recertify, stays_lapsed, stays_active)] == [
        "active",
        "active",
        "lapsed",
        "active",
    ]
    return {
        "becomes_lapsed": becomes_lapsed,
        "becomes_must_recertify": becomes_must_recertify,
        "stays_lapsed": stays_lapsed,
        "stays_active": stays_active,
    }


def snapshot() -> dict[int, tuple]:
    return {
        c.pk: (c.status, c.status_reason, c.lapse_date, c.active_through)
        for c in Certification.objects.order_by("pk")
    }


def test_a_real_worker_runs_the_daily_status_job_once(celery_worker_process, certifications):
    history_before = set(StatusChange.objects.values_list("pk", flat=True))

    assert run_daily_status_job(celery_worker_process, RUN_ON) == 2

    expected = {
        "becomes_lapsed": ("lapsed", datetime.date(2024, 6, 1)),
        "becomes_must_recertify": ("must_recertify", datetime.date(2021, 6, 1)),
        "stays_lapsed": ("lapsed", datetime.date(2023, 6, 1)),
        "stays_active": ("active", None),
    }
    for name, (status, lapse_date) in expected.items():
        certification = Certification.objects.get(pk=certifications[name].pk)
        assert (certification.status, certification.lapse_date) == (status, lapse_date), name
        if status != "active":
            assert certification.status_reason.startswith(f"{certification.status_enum.label}:"), name
    stays_active = Certification.objects.get(pk=certifications["stays_active"].pk)
    # Active through the end of the CCP cycle, which comes before the next unpaid fee.
    assert stays_active.active_through == datetime.date(2025, 5, 13)
    assert stays_active.status_reason == "In good standing through May 13, 2025."

    new_rows = StatusChange.objects.exclude(pk__in=history_before).order_by("certification_id")
    assert [
        (row.certification_id, row.from_status, row.to_status, row.lapse_date, row.effective_on)
        for row in new_rows
    ] == sorted(
        [
            (certifications["becomes_lapsed"].pk, "active", "lapsed", datetime.date(2024, 6, 1), RUN_ON),
            (
                certifications["becomes_must_recertify"].pk,
                "active",
                "must_recertify",
                datetime.date(2021, 6, 1),
                RUN_ON,
            ),
        ]
    )
    assert {(row.source, row.changed_by_id) for row in new_rows} == {("daily status job", None)}
    assert [row.reason.split(":")[0] for row in new_rows] == ["Lapsed (fees)", "Must recertify"]

    # A second run of the same day changes nothing and writes no history.
    after_first_run = snapshot()
    history_count = StatusChange.objects.count()

    assert run_daily_status_job(celery_worker_process, RUN_ON) == 0

    assert StatusChange.objects.count() == history_count
    assert snapshot() == after_first_run

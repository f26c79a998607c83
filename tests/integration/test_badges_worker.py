"""Credly badges issued by a real Celery worker through Redis against the committed test database and the
Credly stand-in: Credly times out, answers 500 and 429 for a while, loses an answer, then recovers ->
exactly one badge per event; a 422 -> the refusal stored, no retry loop."""

import datetime

import pytest

from recert.models import Badge
from tests.factories import make_certification

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

TODAY = datetime.date(2024, 6, 15)


@pytest.fixture
def worker_credly(stand_in, monkeypatch):
    """The worker (started after this) talks to this session's stand-in, with a short timeout and backoff."""
    from scripts.credly_server import DEFAULT_ORGANIZATION, DEFAULT_TOKEN

    for name, value in {
        "CREDLY_API_BASE": stand_in.api_base,
        "CREDLY_ORGANIZATION_ID": DEFAULT_ORGANIZATION,
        "CREDLY_TOKEN": DEFAULT_TOKEN,
        "CREDLY_TIMEOUT_SECONDS": "1",
        "CREDLY_RETRY_BACKOFF_SECONDS": "0.2",
        "CREDLY_MAX_RETRIES": "10",
    }.items():
        monkeypatch.setenv(name, value)
    return stand_in


def events(seeded, count: int) -> list[Badge]:
    """Active certifications, each with its event recorded and not issued yet (committed)."""
    badges = []
    for _ in range(count):
        certification = make_certification(
            certified_on=datetime.date(2019, 5, 14), today=TODAY, paid_through=datetime.date(2025, 4, 30)
        )
        badges.append(
            Badge.objects.create(certification=certification, anchor_date=certification.certified_on)
        )
    return badges


def test_an_outage_then_recovery_gives_exactly_one_badge_per_event(
    seeded, worker_credly, celery_worker_process
):
    badges = events(seeded, 2)
    # Credly: no answer in time, then 500 twice, 429 with Retry-After, an answer lost after issuing
    worker_credly.fail("issue", "timeout", sleep=1.5)
    worker_credly.fail("issue", "500", times=2)
    worker_credly.fail("issue", "429", retry_after=1)
    worker_credly.fail("issue", "lost")
    for badge in badges:
        assert celery_worker_process.run("recert.tasks.issue_badge", badge.pk) == "issued"
    in_credly = worker_credly.badges()
    stored = {badge.pk: Badge.objects.get(pk=badge.pk) for badge in badges}
    # one badge per event in Credly, each the one the portal stored
    assert sorted(b["id"] for b in in_credly) == sorted(b.credly_id for b in stored.values())
    assert {b["issuer_earner_id"] for b in in_credly} == {
        b.certification.member.member_number for b in stored.values()
    }
    # the timeline shows the retries: six requests were needed for two badges
    assert sum(b.attempts for b in stored.values()) == 6
    assert worker_credly.state()["failures"]["issue"] == 0


def test_a_refusal_is_stored_without_a_retry_loop(seeded, worker_credly, celery_worker_process):
    [badge] = events(seeded, 1)
    worker_credly.fail("issue", "422", message="Validation failed: Recipient email is invalid")
    assert celery_worker_process.run("recert.tasks.issue_badge", badge.pk) == "error"
    badge.refresh_from_db()
    assert (badge.state, badge.last_error, badge.attempts) == (
        "error", "Credly refused the request (422): Validation failed: Recipient email is invalid", 1,
    )  # fmt: skip
    assert worker_credly.calls("issue") == 1 and worker_credly.badges() == []

"""The daily badge reconcile (what the on-event tasks missed, found by state) and the badge of a
reinstatement, against the Credly stand-in."""

import datetime

import pytest

from amtportal.jobs import DAILY_JOBS
from members import services as member_services
from recert import services, tasks
from recert.models import Badge, BadgeEvent
from tests.factories import make_certification
from tests.recert.conftest import TODAY as REINSTATED_TODAY
from tests.recert.conftest import claimed, noncompliant_certification, submitted_by_ccp

D = datetime.date
TODAY = D(2024, 6, 15)


def active(**options):
    return make_certification(
        certified_on=D(2019, 5, 14), today=TODAY, paid_through=D(2025, 4, 30), **options
    )


def written() -> tuple[list, int]:
    return list(Badge.objects.order_by("pk").values()), BadgeEvent.objects.count()


def test_the_reconcile_records_the_missing_events_and_queues_their_issue(
    seeded, stand_in, django_capture_on_commit_callbacks
):
    # given two Active certifications whose status-change task never ran, and a lapsed one
    first, second = active(), active(code="MT")
    lapsed = make_certification(
        certified_on=D(2019, 5, 14), today=D(2023, 5, 20), paid_through=D(2023, 4, 30)
    )
    member_services.certification_refresh_status(certification=lapsed, today=TODAY, source="test")
    # when the reconcile runs (in chunks of one)
    with django_capture_on_commit_callbacks(execute=True) as queued:
        done = services.badges_reconcile(today=TODAY, chunk_size=1)
    # then each Active one has its event, issued by the queued task; the lapsed one none
    assert done == {"recorded": 2, "ended": 0, "issue queued": 2, "revoke queued": 0}
    assert len(queued) == 2
    badges = Badge.objects.order_by("certification_id")
    assert [(b.certification_id, b.anchor_date, b.state) for b in badges] == [
        (first.pk, D(2019, 5, 14), "issued"), (second.pk, D(2019, 5, 14), "issued"),
    ]  # fmt: skip
    assert badges[0].events.first().message == "Event of 2019-05-14 recorded (caught up by the daily job)."
    assert len(stand_in.badges()) == 2


def test_a_rerun_with_nothing_to_do_writes_nothing_and_queues_nothing(
    seeded, stand_in, django_capture_on_commit_callbacks
):
    active()
    with django_capture_on_commit_callbacks(execute=True):
        services.badges_reconcile(today=TODAY)
    before = written()
    with django_capture_on_commit_callbacks(execute=True) as queued:
        done = services.badges_reconcile(today=TODAY)
    assert done == {"recorded": 0, "ended": 0, "issue queued": 0, "revoke queued": 0}
    assert (queued, written()) == ([], before)


def test_the_reconcile_ends_and_revokes_what_became_must_recertify(
    seeded, stand_in, django_capture_on_commit_callbacks
):
    certification = active()
    with django_capture_on_commit_callbacks(execute=True):
        services.badges_reconcile(today=TODAY)
    # the nightly bulk refresh queues no task: Must recertify
    member_services.certifications_refresh_statuses(today=D(2028, 6, 1), source="test")
    with django_capture_on_commit_callbacks(execute=True):
        done = services.badges_reconcile(today=D(2028, 6, 1))
    assert done == {"recorded": 0, "ended": 1, "issue queued": 0, "revoke queued": 1}
    badge = Badge.objects.get(certification=certification)
    assert (badge.state, badge.ended_on, badge.end_reason) == (
        "revoked", D(2028, 6, 1), "The certification became Must recertify.",
    )  # fmt: skip
    assert stand_in.badges()[0]["revocation_reason"] == "The certification became Must recertify."
    with django_capture_on_commit_callbacks(execute=True) as queued:
        assert services.badges_reconcile(today=D(2028, 6, 2))["ended"] == 0
    assert queued == []


def test_the_daily_task_runs_after_recertification_and_signs_the_status_lists(
    seeded, stand_in, django_capture_on_commit_callbacks
):
    names = [job.task for job in DAILY_JOBS]
    assert names.index("recert.tasks.badges_and_credentials") == names.index("recert.tasks.daily") + 1
    active()
    with django_capture_on_commit_callbacks(execute=True):
        done = tasks.badges_and_credentials.delay(TODAY.isoformat()).get()
    assert done["recorded"] == 1 and done["status lists signed"] >= 1
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.badges_and_credentials.delay(TODAY.isoformat()).get()["status lists signed"] == 0


@pytest.fixture
def processor(seeded):
    from tests.factories import make_staff

    return make_staff("Recertification processor")


def test_a_reinstatement_records_a_new_event_and_ends_the_old_one(
    seeded, stand_in, pay, processor, django_capture_on_commit_callbacks
):
    # given a certification whose original event was issued, then revoked when it became Non-compliant
    certification = noncompliant_certification()
    original = Badge.objects.create(certification=certification, anchor_date=certification.certified_on)
    with django_capture_on_commit_callbacks(execute=True):
        services.badges_end(certification=certification, today=D(2022, 5, 14), source="test")
    application = claimed(submitted_by_ccp(certification, pay), processor)
    # when it is reinstated
    with django_capture_on_commit_callbacks(execute=True):
        services.application_approve(application=application, user=processor, today=REINSTATED_TODAY)
    # then a second event, of the reinstatement date, is issued in Credly
    original.refresh_from_db()
    reinstated = Badge.objects.get(certification=certification, anchor_date=REINSTATED_TODAY)
    assert (original.state, reinstated.state, reinstated.is_reinstatement) == ("revoked", "issued", True)
    [in_credly] = stand_in.badges()
    assert in_credly["issued_at_date"] == REINSTATED_TODAY.isoformat()
    assert reinstated.events.first().message == f"Reinstatement of {REINSTATED_TODAY.isoformat()} recorded."


def test_a_reinstatement_ends_an_event_still_open(
    seeded, stand_in, pay, processor, django_capture_on_commit_callbacks
):
    """The revocation was lost (no status-change task, no reconcile yet): the reinstatement ends it."""
    certification = noncompliant_certification()
    original = Badge.objects.create(certification=certification, anchor_date=certification.certified_on)
    application = claimed(submitted_by_ccp(certification, pay), processor)
    with django_capture_on_commit_callbacks(execute=True):
        services.application_approve(application=application, user=processor, today=REINSTATED_TODAY)
    original.refresh_from_db()
    assert (original.state, original.ended_on, original.end_reason) == (
        "revoked", REINSTATED_TODAY, "Reinstated under a new anchor date.",
    )  # fmt: skip


def test_the_reconcile_records_a_reinstatement_missed_and_ends_the_earlier_event(
    seeded, stand_in, django_capture_on_commit_callbacks
):
    from ccp import services as ccp_services

    certification = active()
    with django_capture_on_commit_callbacks(execute=True):
        services.badges_reconcile(today=TODAY)
    # reinstated without its badge recorded (as if that task was lost)
    reinstated_on = D(2024, 6, 10)
    ccp_services.certification_reenrol(
        certification=certification, reinstated_on=reinstated_on, actor=None, source="test"
    )
    with django_capture_on_commit_callbacks(execute=True):
        done = services.badges_reconcile(today=TODAY)
    assert done == {"recorded": 1, "ended": 0, "issue queued": 1, "revoke queued": 1}
    original, reinstatement = Badge.objects.filter(certification=certification).order_by("anchor_date")
    assert (original.state, original.end_reason) == ("revoked", "Reinstated under a new anchor date.")
    assert (reinstatement.anchor_date, reinstatement.state) == (reinstated_on, "issued")
    assert sorted(b["state"] for b in stand_in.badges()) == ["pending", "revoked"]

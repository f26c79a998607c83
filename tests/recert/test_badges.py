"""Credly badges through the services and tasks, against the local stand-in: one badge per certification
event, issued with DOMAIN.md's fields, looked up before a retry after a lost answer, revoked with a reason
when the certification ends, a refusal kept for staff; and what the members hook queues."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from members import services as member_services
from recert import credly, services, tasks
from recert.models import Badge, BadgeTemplate
from tests.factories import MemberFactory, make_certification, make_staff

D = datetime.date
CERTIFIED_ON = D(2019, 5, 14)
TODAY = D(2024, 6, 15)


@pytest.fixture
def certification(seeded):
    """Active: certified May 14, 2019, fees paid through April 2025."""
    member = MemberFactory(first_name="Ana", last_name="Silva", user__email="ana.silva@example.org")
    return make_certification(member, certified_on=CERTIFIED_ON, today=TODAY, paid_through=D(2025, 4, 30))


def recorded(certification, capture, *, issue: bool = True) -> Badge:
    """Record the certification's event; its issue task (queued on commit) runs when `issue`."""
    with capture(execute=issue):
        badge = services.badge_record(certification=certification, today=TODAY, source="test")
    assert badge is not None
    return Badge.objects.get(pk=badge.pk)


def timeline(badge: Badge) -> list[tuple[str, str, str]]:
    return list(badge.events.order_by("at", "id").values_list("from_state", "to_state", "message"))


def issue(badge: Badge) -> Badge:
    return services.badge_issue(badge_id=badge.pk, today=TODAY, source="test")


# --- Issue --------------------------------------------------------------------------------------------------


def test_an_active_certifications_event_is_issued_with_domains_fields(
    certification, stand_in, django_capture_on_commit_callbacks
):
    badge = recorded(certification, django_capture_on_commit_callbacks)
    # then Credly holds one badge with the fields DOMAIN.md lists
    [issued] = stand_in.badges()
    template = BadgeTemplate.objects.get(credential__code="RMA").template_id
    assert {
        key: issued[key]
        for key in (
            "recipient_email",
            "issued_at_date",
            "issued_to_first_name",
            "issued_to_last_name",
            "issuer_earner_id",
        )
    } == {  # fmt: skip
        "recipient_email": "ana.silva@example.org",
        "issued_at_date": "2019-05-14",
        "issued_to_first_name": "Ana",
        "issued_to_last_name": "Silva",
        "issuer_earner_id": certification.member.member_number,
    }
    assert issued["badge_template"]["id"] == template
    # and the portal's row: issued, its Credly id, the request and the answer in the timeline
    assert (badge.state, badge.credly_id, badge.anchor_date, badge.attempts) == (
        "issued", issued["id"], CERTIFIED_ON, 1,
    )  # fmt: skip
    assert [row[2] for row in timeline(badge)] == [
        "Original certification of 2019-05-14 recorded.",
        "Issue requested (attempt 1).",
        f"Issued in Credly: {issued['id']}.",
    ]


def test_recording_twice_keeps_one_event_and_issuing_an_issued_badge_calls_nobody(
    certification, stand_in, django_capture_on_commit_callbacks
):
    badge = recorded(certification, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks() as queued:
        again = services.badge_record(certification=certification, today=TODAY, source="test")
    assert again.pk == badge.pk and queued == []
    assert issue(badge).state == "issued"
    assert (Badge.objects.count(), stand_in.calls("issue")) == (1, 1)


def test_a_certification_that_is_not_active_records_no_event(seeded, stand_in):
    lapsed = make_certification(certified_on=CERTIFIED_ON, today=D(2023, 5, 20), paid_through=D(2023, 4, 30))
    lapsed = member_services.certification_refresh_status(
        certification=lapsed, today=D(2023, 7, 1), source="test"
    )
    assert lapsed.status == "lapsed"
    assert services.badge_record(certification=lapsed, today=D(2023, 7, 1), source="test") is None
    assert Badge.objects.count() == 0


def test_after_a_lost_answer_the_retry_adopts_the_badge_instead_of_issuing_again(
    certification, stand_in, django_capture_on_commit_callbacks
):
    badge = recorded(certification, django_capture_on_commit_callbacks, issue=False)
    # given Credly issued the badge but its answer never came back
    stand_in.fail("issue", "lost")
    with pytest.raises(credly.CredlyUnavailable):
        issue(badge)
    badge.refresh_from_db()
    assert (badge.state, badge.credly_id, badge.requested_at is not None) == ("to_issue", "", True)
    # when the retry runs
    badge = issue(badge)
    # then it looked the badge up by issuer_earner_id and kept it: one badge in Credly, one request sent
    [issued] = stand_in.badges()
    assert (badge.state, badge.credly_id) == ("issued", issued["id"])
    assert (stand_in.calls("issue"), stand_in.calls("lookup")) == (1, 1)
    assert timeline(badge)[-1][2] == f"Found in Credly after a lost answer: {issued['id']}."


def test_a_retry_after_a_request_that_never_arrived_issues_once(
    certification, stand_in, django_capture_on_commit_callbacks
):
    badge = recorded(certification, django_capture_on_commit_callbacks, issue=False)
    stand_in.fail("issue", "500")
    with pytest.raises(credly.CredlyUnavailable):
        issue(badge)
    badge = issue(badge)
    assert badge.state == "issued"
    assert [b["id"] for b in stand_in.badges()] == [badge.credly_id]
    assert "Looked up in Credly after a lost answer: not issued yet." in [row[2] for row in timeline(badge)]


def test_a_badge_of_another_event_is_not_adopted(certification, stand_in, django_capture_on_commit_callbacks):
    """A revoked badge or one of another anchor date with the same earner id is not this event's."""
    badge = recorded(certification, django_capture_on_commit_callbacks, issue=False)
    template = BadgeTemplate.objects.get(credential__code="RMA").template_id
    number = certification.member.member_number
    earlier = credly.badge_issue(
        credly.IssueRequest("ana.silva@example.org", template, D(2010, 1, 5), "Ana", "Silva", number)
    )
    Badge.objects.filter(pk=badge.pk).update(requested_at=badge.created_at)
    badge = issue(badge)
    assert badge.state == "issued" and badge.credly_id != earlier["id"]
    assert len(stand_in.badges()) == 2


def test_a_refusal_is_kept_for_staff_without_a_retry(
    certification, stand_in, django_capture_on_commit_callbacks
):
    stand_in.fail("issue", "422", message="Validation failed: Recipient email is invalid")
    badge = recorded(certification, django_capture_on_commit_callbacks)
    assert (badge.state, badge.last_error) == (
        "error", "Credly refused the request (422): Validation failed: Recipient email is invalid",
    )  # fmt: skip
    assert stand_in.calls("issue") == 1
    # the task does not try again by itself
    assert tasks.issue_badge.delay(badge.pk).get() == "error"
    assert stand_in.calls("issue") == 1


def test_a_missing_template_is_an_error_staff_see_and_retry_once_it_is_added(
    certification, stand_in, django_capture_on_commit_callbacks
):
    """A credential without a Credly template (one added after the seeding): the badge waits in error with
    what to do, nothing is sent to Credly; once an administrator adds the template, the retry issues it."""
    template = BadgeTemplate.objects.get(credential__code="RMA")
    template_id = template.template_id
    template.delete()
    badge = recorded(certification, django_capture_on_commit_callbacks)

    badge.refresh_from_db()
    assert badge.state == "error" and stand_in.badges() == []
    assert badge.last_error == (
        "No Credly badge template is set for RMA. Add it in the admin (Badge templates), then retry."
    )
    BadgeTemplate.objects.create(credential=certification.credential, template_id=template_id)
    with django_capture_on_commit_callbacks(execute=True):
        services.badge_retry(badge=badge, actor=make_staff("Administrator"), today=TODAY, source="test")
    badge.refresh_from_db()
    assert (badge.state, badge.credly_id) == ("issued", stand_in.badges()[0]["id"])


# --- Task retries -------------------------------------------------------------------------------------------


def test_in_process_a_failure_waits_for_the_daily_reconcile_instead_of_looping(
    certification, stand_in, django_capture_on_commit_callbacks
):
    """Without a broker (make run, the tests) a task runs in the request: it does not retry in a loop there.
    The worker's retries with backoff are tested with a real worker (tests/integration)."""
    stand_in.fail("issue", "500", times=5)
    badge = recorded(certification, django_capture_on_commit_callbacks)
    assert (badge.state, badge.last_error) == ("to_issue", "Credly answered 500: Internal server error")
    assert stand_in.calls("issue") == 1
    # the daily reconcile queues it again; Credly answers by then
    stand_in.reset()
    with django_capture_on_commit_callbacks(execute=True):
        done = services.badges_reconcile(today=TODAY)
    assert done == {"recorded": 0, "ended": 0, "issue queued": 1, "revoke queued": 0}
    badge.refresh_from_db()
    assert badge.state == "issued" and len(stand_in.badges()) == 1


def test_after_the_last_retry_the_badge_waits_in_error(
    certification, stand_in, settings, django_capture_on_commit_callbacks
):
    settings.CREDLY_MAX_RETRIES = 2
    badge = recorded(certification, django_capture_on_commit_callbacks, issue=False)
    stand_in.fail("issue", "500")
    # the task's last retry (as the worker would run it)
    tasks.issue_badge.apply(args=[badge.pk], retries=2)
    badge.refresh_from_db()
    assert badge.state == "error"
    assert badge.last_error == "Gave up after repeated failures: Credly answered 500: Internal server error"
    assert timeline(badge)[-1][:2] == ("to_issue", "error")


@pytest.mark.parametrize(
    ("retries", "retry_after", "low", "high"),
    [(0, None, 30, 45), (3, None, 240, 360), (0, 120.0, 120, 120), (20, None, 3600, 3600)],
)
def test_backoff_grows_with_jitter_and_honours_retry_after(settings, retries, retry_after, low, high):
    settings.CREDLY_RETRY_BACKOFF_SECONDS = 30
    waits = {tasks.backoff_seconds(retries, retry_after) for _ in range(50)}
    assert low <= min(waits) and max(waits) <= high


# --- Ending an event ----------------------------------------------------------------------------------------


def must_recertify(certification, capture):
    """Fees unpaid for 3 years: Must recertify (its status-change hook off: the badge service is called)."""
    with capture(execute=True):
        return member_services.certification_refresh_status(
            certification=certification, today=D(2028, 6, 1), source="test"
        )


def test_an_event_ends_and_its_badge_is_revoked_with_the_reason(
    certification, stand_in, django_capture_on_commit_callbacks
):
    badge = recorded(certification, django_capture_on_commit_callbacks)
    certification = must_recertify(certification, django_capture_on_commit_callbacks)
    assert certification.status == "must_recertify"
    with django_capture_on_commit_callbacks(execute=True):
        ended = services.badges_end(certification=certification, today=D(2028, 6, 1), source="test")
    assert ended == 1
    badge.refresh_from_db()
    assert (badge.state, badge.ended_on, badge.end_reason) == (
        "revoked", D(2028, 6, 1), "The certification became Must recertify.",
    )  # fmt: skip
    [in_credly] = stand_in.badges()
    assert (in_credly["state"], in_credly["revocation_reason"]) == (
        "revoked", "The certification became Must recertify.",
    )  # fmt: skip


def test_a_lapse_for_fees_ends_nothing(certification, stand_in, django_capture_on_commit_callbacks):
    recorded(certification, django_capture_on_commit_callbacks)
    lapsed = member_services.certification_refresh_status(
        certification=certification, today=D(2025, 7, 1), source="test"
    )
    assert lapsed.status == "lapsed"
    assert services.badges_end(certification=lapsed, today=D(2025, 7, 1), source="test") == 0


def test_revoking_a_badge_never_issued_calls_nobody(
    certification, stand_in, django_capture_on_commit_callbacks
):
    badge = recorded(certification, django_capture_on_commit_callbacks, issue=False)
    certification = must_recertify(certification, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.badges_end(certification=certification, today=D(2028, 6, 1), source="test")
    badge.refresh_from_db()
    assert badge.state == "revoked"
    assert timeline(badge)[-1] == ("to_issue", "revoked", "Never issued in Credly: nothing to revoke.")
    assert (stand_in.calls("issue"), stand_in.calls("revoke")) == (0, 0)


def test_an_ended_event_is_not_issued(certification, stand_in, django_capture_on_commit_callbacks):
    badge = recorded(certification, django_capture_on_commit_callbacks, issue=False)
    certification = must_recertify(certification, django_capture_on_commit_callbacks)
    services.badges_end(certification=certification, today=D(2028, 6, 1), source="test")
    assert issue(badge).state == "to_issue"
    assert stand_in.calls("issue") == 0


# --- Staff retry --------------------------------------------------------------------------------------------


def test_staff_retry_puts_an_errored_badge_back_and_issues_it(
    certification, stand_in, django_capture_on_commit_callbacks
):
    stand_in.fail("issue", "422")
    badge = recorded(certification, django_capture_on_commit_callbacks)
    administrator = make_staff("Administrator")
    with django_capture_on_commit_callbacks(execute=True):
        services.badge_retry(badge=badge, actor=administrator, today=TODAY, source="staff member record")
    badge.refresh_from_db()
    assert (badge.state, badge.credly_id) == ("issued", stand_in.badges()[0]["id"])
    retried = badge.events.get(message="Retry asked by staff.")
    assert (retried.from_state, retried.to_state, retried.actor) == ("error", "to_issue", administrator)


def test_only_a_badge_in_error_is_retried(certification, stand_in, django_capture_on_commit_callbacks):
    badge = recorded(certification, django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError, match="This badge is issued: only a badge in error can be retried."):
        services.badge_retry(badge=badge, actor=make_staff("Administrator"), today=TODAY, source="test")


# --- The members hook ---------------------------------------------------------------------------------------


def test_status_changes_queue_the_badge_task_through_the_settings(
    seeded, stand_in, settings, django_capture_on_commit_callbacks
):
    settings.MEMBERS_STATUS_CHANGED_TASKS = ["recert.tasks.certification_status_changed"]
    with django_capture_on_commit_callbacks(execute=True):
        certification = make_certification(
            certified_on=CERTIFIED_ON, today=TODAY, paid_through=D(2025, 4, 30)
        )
    # the new certification's event is recorded and issued
    badge = Badge.objects.get(certification=certification)
    assert badge.state == "issued"
    # Must recertify: ended and revoked in Credly
    with django_capture_on_commit_callbacks(execute=True):
        member_services.certification_refresh_status(certification=certification, today=D(2028, 6, 1),
                                                     source="test")  # fmt: skip
    badge.refresh_from_db()
    assert (badge.state, stand_in.badges()[0]["state"]) == ("revoked", "revoked")


def test_the_nightly_bulk_refresh_queues_nothing(
    seeded, stand_in, settings, django_capture_on_commit_callbacks
):
    make_certification(certified_on=CERTIFIED_ON, today=TODAY, paid_through=D(2025, 4, 30))
    settings.MEMBERS_STATUS_CHANGED_TASKS = ["recert.tasks.certification_status_changed"]
    with django_capture_on_commit_callbacks() as queued:
        changed = member_services.certifications_refresh_statuses(today=D(2028, 6, 1), source="test")
    assert (changed, queued) == (1, [])

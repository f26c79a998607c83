"""Recertification on real PostgreSQL: two approvals of one application at once (two tabs of its processor),
a claim race, the fee-paid task delivered twice beside the daily catch-up, and an approval racing the expiry
job. Each outcome is written once: one reinstatement, one status change, one new cycle, one submission.

Each thread has its own database connection and data is committed, so the tests are transactional and
re-seed the configuration rows the flush removes.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError

from billing import services as billing_services
from billing.models import Invoice
from ccp.models import Cycle
from members.models import Notice, StatusChange
from recert import services
from recert.models import Application, ApplicationEvent
from recert.services import jobs
from tests.factories import make_staff
from tests.integration.conftest import at_once
from tests.recert.conftest import TODAY
from tests.recert.test_staff_views import certification_of, submit

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("require_postgres", "seeded"),
]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def refused_or_done(call):
    """`call` in a thread: ("done", its result's state) or ("refused", the message)."""

    def run():
        try:
            return "done", call().state
        except ValidationError as refusal:
            return "refused", refusal.messages[0]

    return run


# --- Two approvals at once ------------------------------------------------------------------------------


def test_two_approvals_of_one_application_at_once_reinstate_once():
    application = submit(certification_of("Ann", "Lee"))
    certification = application.certification
    processor = make_staff("Recertification processor")
    services.application_claim(application=application, user=processor, today=TODAY)

    approve = refused_or_done(
        lambda: services.application_approve(application=application, user=processor, today=TODAY)
    )
    results = at_once(approve, approve, hold=Application.objects.filter(pk=application.pk))

    assert sorted(results) == [
        ("done", "reinstated"),
        ("refused", "This application is approved: reinstated: it can't be decided again."),
    ]
    certification.refresh_from_db()
    assert (certification.status, certification.reinstated_on) == ("active", TODAY)
    assert StatusChange.objects.filter(certification=certification, from_status="noncompliant").count() == 1
    assert Cycle.objects.filter(certification=certification, anchor_on=TODAY).count() == 1
    assert Cycle.objects.filter(certification=certification, state=Cycle.State.OPEN).count() == 1
    moves = ApplicationEvent.objects.filter(application=application, to_state="reinstated")
    assert moves.count() == 1 and moves.get().actor == processor
    told = Notice.objects.filter(key=f"application-{application.pk}-reinstated")
    assert sorted(told.values_list("channel", flat=True)) == ["email", "letter"]


def test_two_processors_claiming_at_once_leave_one_holder():
    application = submit(certification_of("Bob", "Stone"))
    first, second = (
        make_staff("Recertification processor"),
        make_staff("Recertification processor", email="second@staff.example.org"),
    )

    results = at_once(
        *[
            refused_or_done(
                lambda user=user: services.application_claim(application=application, user=user, today=TODAY)
            )
            for user in (first, second)
        ],
        hold=Application.objects.filter(pk=application.pk),
    )

    outcomes = sorted(outcome for outcome, _ in results)
    assert outcomes == ["done", "refused"]
    application.refresh_from_db()
    assert application.claimed_by in (first, second)
    holder = application.claimed_by.get_full_name() or application.claimed_by.email
    assert ("refused", f"{holder} is already processing this application.") in results
    assert application.events.filter(message="Claimed for processing").count() == 1


def test_an_approval_racing_the_expiry_job_has_one_outcome(settings):
    """Submitted on May 1 (valid until November 1): the job on November 29 expires it unless the approval
    came first; whichever wins, the other changes nothing."""
    settings.BILLING_PAID_TASKS = {}  # submitted by `submit` on May 1, not by the task on the real today
    application = submit(certification_of("Cy", "Park"), on=datetime.date(2026, 5, 1))
    assert application.expires_on == datetime.date(2026, 11, 1)
    processor = make_staff("Recertification processor")
    services.application_claim(application=application, user=processor, today=TODAY)

    results = at_once(
        refused_or_done(
            lambda: services.application_approve(application=application, user=processor, today=TODAY)
        ),
        lambda: ("expired", jobs.applications_expire(today=TODAY)),
        hold=Application.objects.filter(pk=application.pk),
    )

    application.refresh_from_db()
    certification = application.certification
    certification.refresh_from_db()
    approval, (_, expired) = results
    if application.state == "reinstated":
        assert approval == ("done", "reinstated") and expired == 0
        assert certification.status == "active"
    else:
        assert application.state == "expired" and expired == 1
        assert approval == ("refused", "This application is expired: it can't be decided again.")
        assert certification.status == "noncompliant"
    moves = ApplicationEvent.objects.filter(application=application).exclude(to_state="")
    assert list(moves.values_list("to_state", flat=True)) == ["draft", "submitted", application.state]


# --- The fee paid: the task twice and the daily catch-up at once ----------------------------------------


@pytest.fixture
def paid_draft(settings):
    """A complete draft whose fee is paid but whose paid task was lost (no task configured for the kind)."""
    certification = certification_of("Eve", "Moss", code="MT")
    user = certification.member.user
    application = services.application_start(
        certification=certification, route="exam", today=TODAY, user=user
    )
    services.application_answer_exam(
        application=application, answers={"meets_requirement": True}, user=user, today=TODAY
    )
    invoice = services.application_checkout(application=application, user=user, today=TODAY)
    settings.BILLING_PAID_TASKS = {}
    billing_services.invoice_record_payment(
        invoice=invoice, method="check", received_on=TODAY, reference="1", today=TODAY, source="test"
    )
    application.refresh_from_db()
    assert application.state == "draft" and Invoice.objects.get(number=invoice.number).state == "paid"
    return application


def test_the_paid_task_twice_and_the_daily_catch_up_at_once_submit_once(paid_draft):
    application = paid_draft

    def task():
        return services.application_submit_paid(
            invoice_number=application.invoice_number, today=TODAY, source="fee paid"
        ).state

    results = at_once(
        task, task, lambda: jobs.applications_submit_paid(today=TODAY),
        hold=Application.objects.filter(pk=application.pk),
    )  # fmt: skip

    assert results[:2] == ["submitted", "submitted"]
    assert results[2] in (0, 1)
    application.refresh_from_db()
    assert (application.state, application.submitted_on) == ("submitted", TODAY)
    assert application.expires_on == datetime.date(2027, 5, 29)
    assert ApplicationEvent.objects.filter(application=application, to_state="submitted").count() == 1
    told = Notice.objects.filter(key=f"application-{application.pk}-submitted")
    assert list(told.values_list("channel", flat=True)) == ["email"]
    # A later rerun of the catch-up finds nothing to do.
    assert jobs.applications_submit_paid(today=TODAY + datetime.timedelta(days=1)) == 0
    assert ApplicationEvent.objects.filter(application=application).count() == 2

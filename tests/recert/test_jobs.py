"""The recertification's daily jobs (recert/services/jobs.py, recert/tasks.py) against DOMAIN.md
"Recertification": an application undecided 6 months after submission expires (the member is told), a fee
paid whose submission was lost is submitted by the catch-up, and both run in the nightly chain. Each job is
run for a business date, as the chain runs it, and again to show a rerun writes nothing."""

import datetime

import pytest

from amtportal.jobs import DAILY_JOBS
from billing import services as billing_services
from billing.models import Invoice
from members.models import Notice
from recert import services, tasks
from recert.models import Application, ApplicationEvent
from tests.factories import make_staff
from tests.recert.conftest import (
    TODAY,
    checkout,
    claimed,
    database_state,
    fresh,
    noncompliant_certification,
    notices_of,
    on,
    ready_by_ccp,
    submitted_by_ccp,
    submitted_by_exam,
    timeline,
)

D = datetime.date
LAST_VALID_DAY = D(2027, 5, 29)  # submitted November 29, 2026, valid 6 months
EXPIRY_DAY = D(2027, 5, 30)


@pytest.fixture(autouse=True)
def today_on_the_clock(time_machine):
    on(time_machine, TODAY)


def paid_without_its_task(application: Application, *, day: datetime.date = TODAY) -> Invoice:
    """The fee is paid but the task billing queues at commit is lost (the test transaction never commits)."""
    invoice = checkout(application, today=day)
    billing_services.invoice_record_payment(
        invoice=invoice, method="check", received_on=day, reference="no. 7", today=day, source="test"
    )
    assert fresh(application).state == "draft"
    return invoice


# --- Expiry ---------------------------------------------------------------------------------------------


def test_an_undecided_application_expires_the_day_after_its_last_valid_day(seeded, pay):
    application = submitted_by_ccp(noncompliant_certification(), pay)
    assert fresh(application).expires_on == LAST_VALID_DAY
    # on its last valid day nothing happens
    assert services.applications_expire(today=LAST_VALID_DAY) == 0
    assert fresh(application).state == "submitted"
    # the day after, it expires, decided by the job, and the member is told
    assert services.applications_expire(today=EXPIRY_DAY) == 1
    application = fresh(application)
    assert (application.state, application.decided_on, application.decided_by) == (
        "expired",
        EXPIRY_DAY,
        None,
    )
    event = application.events.order_by("pk").last()
    assert (event.from_state, event.to_state, event.message, event.actor, event.source) == (
        "submitted", "expired", "Not decided within its validity: expired.", None,
        "daily recertification job",
    )  # fmt: skip
    expired = notices_of(application).get(key__endswith="-expired")
    assert (expired.channel, expired.subject) == ("email", "Your recertification application expired")
    assert "submitted on November 29, 2026, was not decided by May 29, 2027 and has expired." in (
        expired.body_text
    )
    # and the member may apply again
    certification = application.certification
    user = certification.member.user
    assert services.application_start(certification=certification, route="ccp", today=EXPIRY_DAY, user=user)


def test_rerunning_the_expiry_writes_nothing(seeded, pay):
    submitted_by_ccp(noncompliant_certification(), pay)
    assert services.applications_expire(today=EXPIRY_DAY) == 1
    before = database_state()
    assert services.applications_expire(today=EXPIRY_DAY) == 0
    assert services.applications_expire(today=EXPIRY_DAY + datetime.timedelta(days=1)) == 0
    assert database_state() == before


def test_more_asked_and_unanswered_expires_too(seeded, pay):
    processor = make_staff("Recertification processor")
    application = claimed(submitted_by_ccp(noncompliant_certification(), pay), processor)
    services.application_ask_more(
        application=application, reason="A clearer scan.", user=processor, today=TODAY
    )
    assert services.applications_expire(today=EXPIRY_DAY) == 1
    assert timeline(application)[-1][:2] == ("more_requested", "expired")


def test_drafts_and_decided_applications_never_expire(seeded, pay):
    processor = make_staff("Recertification processor")
    draft = ready_by_ccp(noncompliant_certification())
    refused = claimed(submitted_by_ccp(noncompliant_certification(), pay), processor)
    services.application_refuse(application=refused, reason="Not CE.", user=processor, today=TODAY)
    assert services.applications_expire(today=D(2030, 1, 1)) == 0
    assert (fresh(draft).state, fresh(refused).state) == ("draft", "refused")


def test_an_authorization_granted_late_keeps_the_application_open_while_it_runs(seeded, pay):
    # given an exam application submitted November 29, 2026 (valid to May 29, 2027), approved April 15, 2027:
    # authorized to test for 90 days, to July 14, 2027
    processor = make_staff("Recertification processor")
    application = claimed(submitted_by_exam(noncompliant_certification(code="MT"), pay), processor)
    approved_on = D(2027, 4, 15)
    application = services.application_approve(application=application, user=processor, today=approved_on)
    assert (application.authorization_expires_on, fresh(application).expires_on) == (
        D(2027, 7, 14), D(2027, 7, 14),
    )  # fmt: skip
    # when the job runs past the 6 months / then the authorized application stays open
    assert services.applications_expire(today=EXPIRY_DAY) == 0
    # and the pass on July 1 is recorded, reinstating from it
    services.application_record_exam(
        application=application, passed=True, exam_date=D(2027, 7, 1), user=processor, today=D(2027, 7, 2)
    )
    assert fresh(application).reinstated_on == D(2027, 7, 1)


def test_an_authorization_that_ran_out_without_a_result_expires(seeded, pay):
    processor = make_staff("Recertification processor")
    application = claimed(submitted_by_exam(noncompliant_certification(code="MT"), pay), processor)
    services.application_approve(application=application, user=processor, today=TODAY)
    # authorized to February 27, 2027, still open until the 6 months end (May 29, 2027)
    assert services.applications_expire(today=D(2027, 2, 28)) == 0
    assert services.applications_expire(today=EXPIRY_DAY) == 1
    assert fresh(application).state == "expired"


# --- The paid fee's catch-up ---------------------------------------------------------------------------


def test_a_paid_fee_whose_task_was_lost_is_submitted_by_the_catch_up_once(seeded):
    application = ready_by_ccp(noncompliant_certification())
    paid_without_its_task(application)
    unpaid = ready_by_ccp(noncompliant_certification())
    checkout(unpaid)
    # when the daily catch-up runs the next day
    next_day = TODAY + datetime.timedelta(days=1)
    assert services.applications_submit_paid(today=next_day) == 1
    # then submitted from that day, by the job, the member told; the unpaid draft untouched
    application = fresh(application)
    assert (application.state, application.submitted_on, application.expires_on) == (
        "submitted", next_day, D(2027, 5, 30),
    )  # fmt: skip
    event = application.events.order_by("pk").last()
    assert (event.to_state, event.source, event.actor) == ("submitted", "daily recertification job", None)
    assert notices_of(application).filter(key__endswith="-submitted").count() == 1
    assert fresh(unpaid).state == "draft"
    # and a rerun writes nothing
    before = database_state()
    assert services.applications_submit_paid(today=next_day) == 0
    assert database_state() == before


def test_the_paid_fee_task_submits_and_reports(seeded):
    application = ready_by_ccp(noncompliant_certification())
    invoice = paid_without_its_task(application)
    # when the task billing queues runs (late, as a worker would) / then submitted today; run again: no change
    assert tasks.application_paid(invoice.number) == "submitted"
    assert tasks.application_paid(invoice.number) == "submitted"
    assert ApplicationEvent.objects.filter(application=application, to_state="submitted").count() == 1
    assert tasks.application_paid("RC-UNKNOWN") == "no application"


def test_the_daily_task_runs_both_for_its_date(seeded, pay):
    expiring = submitted_by_ccp(noncompliant_certification(), pay)
    lost = ready_by_ccp(noncompliant_certification())
    paid_without_its_task(lost)
    assert tasks.daily(EXPIRY_DAY.isoformat()) == {"submitted": 1, "expired": 1}
    assert (fresh(expiring).state, fresh(lost).state, fresh(lost).submitted_on) == (
        "expired", "submitted", EXPIRY_DAY,
    )  # fmt: skip
    assert tasks.daily(EXPIRY_DAY.isoformat()) == {"submitted": 0, "expired": 0}


# --- The nightly chain ---------------------------------------------------------------------------------


def test_recertification_runs_in_the_nightly_chain_before_the_notices_are_delivered():
    names = [job.name for job in DAILY_JOBS]
    tasks_by_name = {job.name: job.task for job in DAILY_JOBS}
    assert tasks_by_name["recertification: paid fees and expiry"] == "recert.tasks.daily"
    # statuses are fresh before it, and its e-mails leave the same night
    assert names.index("update statuses") < names.index("recertification: paid fees and expiry")
    assert names.index("recertification: paid fees and expiry") < names.index("deliver pending notices")


def test_the_nightly_run_expires_and_submits_and_tells_the_member(seeded, pay, time_machine, mailoutbox):
    from amtportal.celery import app
    from amtportal.tasks import run_daily_jobs

    # given an application undecided since November 29, 2026, and another whose paid fee was not submitted
    expiring = submitted_by_ccp(noncompliant_certification(), pay)
    lost = ready_by_ccp(noncompliant_certification())
    paid_without_its_task(lost)
    mailoutbox.clear()
    # when the nightly run starts on May 30, 2027 (in-process tasks, no broker)
    time_machine.move_to(datetime.datetime(2027, 5, 30, 22, tzinfo=datetime.UTC), tick=True)
    app.loader.import_default_modules()
    assert run_daily_jobs(EXPIRY_DAY.isoformat()) == EXPIRY_DAY.isoformat()
    # then the first expired and the second is submitted, each member told by e-mail that night
    assert fresh(expiring).state == "expired"
    assert (fresh(lost).state, fresh(lost).submitted_on) == ("submitted", EXPIRY_DAY)
    sent = Notice.objects.filter(kind="recert", state="sent", key__in=[
        f"application-{expiring.pk}-expired", f"application-{lost.pk}-submitted",
    ])  # fmt: skip
    assert sent.count() == 2
    subjects = sorted(message.subject for message in mailoutbox if "recertification" in message.subject)
    assert subjects == [
        "We received your RMA recertification application",
        "Your recertification application expired",
    ]

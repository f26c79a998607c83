"""The audit's daily jobs (audits/services/jobs.py, audits/tasks.py) against DOMAIN.md "Annual CCP audit":
the campaign started on the configured January day, the reminders 30 and 7 days before the deadline, the
failure the day after an unanswered deadline, and their place in the nightly run. Each job is run for a
business date, as the nightly chain runs it, and again to show a rerun writes nothing."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command

from amtportal.jobs import DAILY_JOBS
from audits import services, tasks
from audits.models import Audit, AuditCampaign, AuditPolicy
from ccp.models import Cycle
from members.models import Notice
from tests.audits.conftest import DEADLINE, START_DAY, database_state, rolled_certification, start_campaign
from tests.factories import make_staff
from tests.files import pdf_bytes

D = datetime.date
ONE_DAY = datetime.timedelta(days=1)


def days_before(days: int) -> datetime.date:
    return DEADLINE - datetime.timedelta(days=days)


def reminders(audit: Audit):
    return Notice.objects.filter(member=audit.certification.member, kind="audit", key__contains="-reminder-")


def submit(audit: Audit, *, today: datetime.date = START_DAY) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    member = audit.certification.member.user
    for item in audit.items.all():
        upload = SimpleUploadedFile("proof.pdf", pdf_bytes(), content_type="application/pdf")
        services.audit_attach_proof(audit=audit, item_id=item.pk, upload=upload, user=member, today=today)
    services.audit_submit(audit=audit, user=member, today=today)


# --- Reminders ------------------------------------------------------------------------------------------


def test_reminders_go_30_and_7_days_before_the_deadline_once_each(audit):
    # when the job runs every day from the selection to the day after the deadline
    written = {}
    day = START_DAY
    while day <= DEADLINE + ONE_DAY:
        if count := services.audits_send_reminders(today=day):
            written[day] = count
        day += ONE_DAY
    # then one e-mail went 30 days before the deadline and one 7 days before, nothing else
    assert written == {days_before(30): 1, days_before(7): 1}
    sent = reminders(audit).order_by("pk")
    assert list(sent.values_list("key", "channel")) == [
        (f"audit-{audit.pk}-reminder-2026-03-16-30", "email"),
        (f"audit-{audit.pk}-reminder-2026-03-16-7", "email"),
    ]
    assert {notice.subject for notice in sent} == {"Reminder: your CCP audit is due March 16, 2026"}
    assert "is due March 16, 2026: 31 days left, counting today and the deadline." in sent[0].body_text
    assert "is due March 16, 2026: 8 days left" in sent[1].body_text


def test_rerunning_the_reminders_writes_nothing(audit):
    assert services.audits_send_reminders(today=days_before(30)) == 1
    before = database_state()
    assert services.audits_send_reminders(today=days_before(30)) == 0
    assert services.audits_send_reminders(today=days_before(29)) == 0  # the 30-day step is still the latest
    assert database_state() == before


def test_a_job_catching_up_sends_only_the_latest_reminder(audit):
    # given the job did not run from 40 to 6 days before the deadline / when it runs 5 days before
    assert services.audits_send_reminders(today=days_before(5)) == 1
    # then only the 7-day reminder went
    assert list(reminders(audit).values_list("key", flat=True)) == [f"audit-{audit.pk}-reminder-2026-03-16-7"]


def test_no_reminder_once_submitted(audit):
    submit(audit)
    assert services.audits_send_reminders(today=days_before(30)) == 0
    assert services.audits_send_reminders(today=days_before(7)) == 0
    assert not reminders(audit).exists()


def test_no_reminder_for_an_audit_passed_at_selection(seeded):
    certification = rolled_certification(online=3)
    start_campaign()
    assert services.audits_send_reminders(today=days_before(7)) == 0
    assert not reminders(Audit.objects.get(certification=certification)).exists()


def test_reminders_follow_a_granted_extension(audit):
    # given the 7-day reminder went, then a 10-day extension was granted
    reviewer = make_staff("Audit reviewer")
    member = audit.certification.member.user
    services.audit_request_extension(audit=audit, reason="Flu", days=10, user=member, today=days_before(8))
    assert services.audits_send_reminders(today=days_before(7)) == 1
    services.audit_extension_decide(
        audit=audit, grant=True, days=None, reason="", user=reviewer, today=days_before(6)
    )
    # when the job runs 7 days before the new deadline (March 26) / then a reminder for the new deadline goes
    assert services.audits_send_reminders(today=D(2026, 3, 19)) == 1
    assert reminders(audit).order_by("pk").last().key == f"audit-{audit.pk}-reminder-2026-03-26-7"


# --- Deadlines ------------------------------------------------------------------------------------------


def test_an_audit_not_submitted_fails_the_day_after_the_deadline(audit):
    certification = audit.certification
    # on the deadline nothing happens
    assert services.audits_fail_overdue(today=DEADLINE) == 0
    assert Audit.objects.get(pk=audit.pk).state == "selected"
    # the day after, it fails, decided by the job
    assert services.audits_fail_overdue(today=DEADLINE + ONE_DAY) == 1
    audit.refresh_from_db()
    assert (audit.state, audit.decided_on, audit.decided_by) == ("failed", DEADLINE + ONE_DAY, None)
    assert audit.outcome_reason == "Nothing was submitted by the deadline, March 16, 2026."
    move = audit.events.get(kind="move")
    assert (move.from_state, move.to_state, move.actor, move.source) == (
        "selected", "failed", None, "daily audit job",
    )  # fmt: skip
    # the certification is Non-compliant (CCP) from the day after the deadline, its open cycle ended
    certification.refresh_from_db()
    assert (certification.status, certification.lapse_date) == ("noncompliant", DEADLINE + ONE_DAY)
    change = certification.status_changes.first()
    assert (change.to_status, change.changed_by, change.source) == ("noncompliant", None, "daily audit job")
    assert Cycle.objects.get(certification=certification, number=1).state == "inactive"
    assert audit.cycle.audit_result == "failed"
    # the member is told by e-mail and letter
    outcome = Notice.objects.filter(member=certification.member, key=f"audit-{audit.pk}-outcome")
    assert sorted(outcome.values_list("channel", flat=True)) == ["email", "letter"]
    assert "Nothing was submitted by the deadline, March 16, 2026." in outcome.get(channel="email").body_text


def test_rerunning_the_deadline_job_changes_nothing(audit):
    services.audits_fail_overdue(today=DEADLINE + ONE_DAY)
    before = database_state()
    assert services.audits_fail_overdue(today=DEADLINE + ONE_DAY) == 0
    assert services.audits_fail_overdue(today=DEADLINE + 2 * ONE_DAY) == 0
    assert database_state() == before


def test_a_job_catching_up_fails_from_the_day_after_the_deadline(audit):
    # given the job was down for a week after the deadline
    services.audits_fail_overdue(today=DEADLINE + 7 * ONE_DAY)
    audit.refresh_from_db()
    audit.certification.refresh_from_db()
    assert (audit.state, audit.decided_on) == ("failed", DEADLINE + ONE_DAY)
    assert audit.certification.lapse_date == DEADLINE + ONE_DAY


def test_a_submitted_audit_is_not_failed(audit):
    submit(audit)
    assert services.audits_fail_overdue(today=DEADLINE + ONE_DAY) == 0
    audit.refresh_from_db()
    audit.certification.refresh_from_db()
    assert (audit.state, audit.certification.status) == ("submitted", "active")


def test_an_unanswered_request_for_more_fails_after_its_own_deadline(audit):
    reviewer = make_staff("Audit reviewer")
    submit(audit)
    services.audit_claim(audit=audit, user=reviewer, today=START_DAY)
    item = audit.items.first()
    services.audit_item_decide(
        audit=audit, item_id=item.pk, decision="more", message="Signed copy", user=reviewer, today=START_DAY
    )
    services.audit_return_to_member(audit=audit, user=reviewer, today=START_DAY)
    new_deadline = START_DAY + datetime.timedelta(days=14)
    assert services.audits_fail_overdue(today=new_deadline) == 0
    assert services.audits_fail_overdue(today=new_deadline + ONE_DAY) == 1
    audit.refresh_from_db()
    assert (audit.state, audit.decided_on) == ("failed", new_deadline + ONE_DAY)


def test_a_granted_extension_moves_the_failure(audit):
    reviewer = make_staff("Audit reviewer")
    member = audit.certification.member.user
    services.audit_request_extension(audit=audit, reason="Flu", days=10, user=member, today=START_DAY)
    services.audit_extension_decide(
        audit=audit, grant=True, days=None, reason="", user=reviewer, today=START_DAY
    )
    assert services.audits_fail_overdue(today=DEADLINE + ONE_DAY) == 0
    assert services.audits_fail_overdue(today=DEADLINE + 11 * ONE_DAY) == 1


# --- The scheduled campaign -----------------------------------------------------------------------------


@pytest.fixture
def auto_start(seeded):
    """A certification that rolled in 2025, and the policy: start on January 15, audit everybody."""
    AuditPolicy.objects.filter(pk=1).update(auto_start_day=15, sample_rate=Decimal("1"), sample_size=None)
    return rolled_certification()


def test_the_campaign_starts_on_the_configured_january_day(auto_start):
    # the day before: nothing
    assert services.audits_start_and_prepare(today=D(2026, 1, 14)) == 0
    assert not AuditCampaign.objects.exists()
    # on January 15: the 2025 campaign, started by the job, its audit prepared and the member told
    assert services.audits_start_and_prepare(today=D(2026, 1, 15)) == 1
    campaign = AuditCampaign.objects.get()
    assert (campaign.year, campaign.started_on, campaign.started_by, campaign.source) == (
        2025, D(2026, 1, 15), None, "daily audit job",
    )  # fmt: skip
    audit = Audit.objects.get(certification=auto_start)
    assert (audit.deadline, audit.items.count(), audit.prepared_at is not None) == (D(2026, 3, 16), 3, True)
    assert Notice.objects.filter(key=f"audit-{audit.pk}-selected").count() == 2
    # and once only: the next days change nothing
    before = database_state()
    assert services.audits_start_and_prepare(today=D(2026, 1, 16)) == 0
    assert services.audits_start_and_prepare(today=D(2026, 1, 31)) == 0
    assert database_state() == before


def test_a_job_catching_up_starts_the_campaign_later_in_january(auto_start):
    assert services.audits_start_and_prepare(today=D(2026, 1, 20)) == 1
    assert AuditCampaign.objects.get().started_on == D(2026, 1, 20)


def test_no_scheduled_start_outside_january(auto_start):
    assert services.audits_start_and_prepare(today=D(2026, 2, 1)) == 0
    assert services.audits_start_and_prepare(today=D(2025, 12, 31)) == 0
    assert not AuditCampaign.objects.exists()


def test_no_scheduled_start_without_a_configured_day(auto_start):
    AuditPolicy.objects.filter(pk=1).update(auto_start_day=None)
    assert services.audits_start_and_prepare(today=D(2026, 1, 20)) == 0
    assert not AuditCampaign.objects.exists()


def test_a_campaign_staff_started_is_not_started_again(auto_start):
    reviewer = make_staff("Audit reviewer")
    services.campaign_start(year=2025, today=D(2026, 1, 5), actor=reviewer, source="audit campaigns")
    # when the job runs on the configured day / then it only prepares staff's campaign
    services.audits_start_and_prepare(today=D(2026, 1, 15))
    campaign = AuditCampaign.objects.get()
    assert (campaign.started_by, campaign.started_on) == (reviewer, D(2026, 1, 5))
    assert Audit.objects.get().prepared_at is not None


# --- The nightly run ------------------------------------------------------------------------------------


def test_the_audit_jobs_run_after_the_ccp_jobs_and_before_invoices():
    names = [job.name for job in DAILY_JOBS]
    assert names.index("roll cycles") < names.index("start and prepare audits")
    assert names.index("start and prepare audits") < names.index("audit reminders and deadlines")
    assert names.index("audit reminders and deadlines") < names.index("issue renewal invoices")
    assert names.index("audit reminders and deadlines") < names.index("mail batch")
    tasks_by_name = {job.name: job.task for job in DAILY_JOBS}
    assert tasks_by_name["start and prepare audits"] == "audits.tasks.start_and_prepare_audits"
    assert tasks_by_name["audit reminders and deadlines"] == "audits.tasks.audit_reminders_and_deadlines"


def test_the_audit_tasks_take_an_iso_date(auto_start):
    assert tasks.start_and_prepare_audits("2026-01-15") == 1
    assert tasks.audit_reminders_and_deadlines("2026-02-14") == {"reminders": 1, "failed": 0}


def test_the_nightly_run_starts_reminds_and_fails_audits(auto_start, mailoutbox, capsys):
    member = auto_start.member
    # when the nightly jobs run on January 15 / then the campaign started and the selection e-mail went
    call_command("run_daily_jobs", date="2026-01-15")
    audit = Audit.objects.get(certification=auto_start)
    assert audit.state == "selected"
    assert [message.subject for message in mailoutbox] == [
        "Your RMA CCP cycle was selected for audit: proof due March 16, 2026"
    ]
    assert mailoutbox[0].to == [member.user.email]
    # 30 days before the deadline: the reminder is delivered the same night
    call_command("run_daily_jobs", date="2026-02-14")
    assert mailoutbox[-1].subject == "Reminder: your CCP audit is due March 16, 2026"
    # the day after the deadline: the audit failed, the certification is Non-compliant (CCP), its cycle ended
    call_command("run_daily_jobs", date="2026-03-17")
    audit.refresh_from_db()
    auto_start.refresh_from_db()
    assert (audit.state, audit.decided_on) == ("failed", D(2026, 3, 17))
    assert (auto_start.status, auto_start.lapse_date) == ("noncompliant", D(2026, 3, 17))
    assert not Cycle.objects.filter(certification=auto_start, state="open").exists()
    assert mailoutbox[-1].subject == "Your RMA CCP audit has failed"
    output = capsys.readouterr().out
    assert "2026-03-17 audit reminders and deadlines: {'reminders': 0, 'failed': 1}" in output
    # and a second run of that night changes nothing
    before = database_state()
    call_command("run_daily_jobs", date="2026-03-17")
    assert database_state() == before

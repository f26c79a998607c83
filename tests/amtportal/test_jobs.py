import datetime
from decimal import Decimal

from amtportal.celery import app
from amtportal.jobs import DAILY_JOBS, DailyJob
from amtportal.tasks import daily_jobs_chain


def test_every_daily_job_is_scheduled_once_in_order_and_is_a_registered_task():
    """Given the daily job list, then beat starts one nightly run whose chain holds each job once, in the
    list's order (a job starts when the previous one has finished), and each is a task the worker knows."""
    app.loader.import_default_modules()
    entries = list(app.conf.beat_schedule.values())

    assert [entry["task"] for entry in entries] == ["amtportal.tasks.run_daily_jobs"]
    run = daily_jobs_chain("2026-01-15")
    assert [task.task for task in run.tasks] == [job.task for job in DAILY_JOBS]
    assert all(task.args == ("2026-01-15",) and task.immutable for task in run.tasks)
    assert all(
        job.task in app.tasks for job in DAILY_JOBS + [DailyJob("nightly", "amtportal.tasks.run_daily_jobs")]
    )


def test_the_nightly_run_runs_every_job_for_its_date(
    db, seeded, time_machine, settings, tmp_path, mailoutbox
):
    """Given one member for each daily job's work on January 15, 2026, when the nightly task runs for that
    date (in-process tasks, no broker), then each job did its part: a status updated, a cycle rolled and the
    next opened, a missing cycle opened, a CCP notice and a renewal invoice with its notices written, the
    day's letters in the mail batch, and the pending e-mails delivered. (The card-payment reconciliation
    needs localstripe: tests/integration and tests/billing/test_payments.py check it.)"""
    from amtportal.tasks import run_daily_jobs
    from billing.models import Invoice
    from ccp import services as ccp_services
    from ccp.models import ActivityCategory, Cycle
    from members.models import MailBatch, Notice
    from tests.factories import MemberFactory, make_certification

    settings.MEDIA_ROOT = tmp_path
    day = datetime.date(2026, 1, 15)
    time_machine.move_to(datetime.datetime(2025, 10, 1, 15, tzinfo=datetime.UTC), tick=False)
    # Ann: anniversary in December, the fee due December 31, 2025 unpaid: Lapsed (fees) today
    ann = make_certification(
        MemberFactory(first_name="Ann"),
        certified_on=datetime.date(2018, 12, 10),
        paid_through=datetime.date(2025, 11, 30),
    )
    # Bo: his first cycle (January 15, 2023 to January 14, 2026) ended yesterday with 30 points
    bo = make_certification(
        MemberFactory(first_name="Bo"),
        certified_on=datetime.date(2023, 1, 15),
        paid_through=datetime.date(2026, 12, 31),
    )
    ccp_services.activity_record(
        certification=bo,
        today=datetime.date(2025, 10, 1),
        recorded_by=None,
        category=ActivityCategory.objects.get(code="professional-education"),
        title="Annual conference",
        completed_on=datetime.date(2025, 9, 1),
        quantity=Decimal("30"),
        helps_job=True,
    )
    # Cy: certified in June 2025, his cycle missing (tonight's job opens it)
    cy = make_certification(
        MemberFactory(first_name="Cy"),
        certified_on=datetime.date(2025, 6, 10),
        paid_through=datetime.date(2026, 5, 31),
    )
    Cycle.objects.filter(certification=cy).delete()
    # Di: her cycle ends April 15, 2026 (90 days after today) and she has no points: a CCP notice is due
    di = make_certification(
        MemberFactory(first_name="Di"),
        certified_on=datetime.date(2023, 4, 16),
        paid_through=datetime.date(2026, 4, 30),
    )
    # Ed: anniversary in February: the fee due February 28, 2026 is 44 days away, so it is invoiced today
    ed = make_certification(
        MemberFactory(first_name="Ed"),
        certified_on=datetime.date(2020, 2, 10),
        paid_through=datetime.date(2026, 1, 31),
    )
    # The run starts at 4 p.m. in Chicago; time runs, so the letters are written before the batch's cutoff
    time_machine.move_to(datetime.datetime(2026, 1, 15, 22, tzinfo=datetime.UTC), tick=True)

    app.loader.import_default_modules()  # as a worker does at start: every app's tasks registered
    assert run_daily_jobs("2026-01-15") == "2026-01-15"

    # update statuses
    ann.refresh_from_db()
    assert ann.status == "lapsed"
    # roll cycles: Bo's first cycle closed compliant, the next one open from today
    cycles = Cycle.objects.filter(certification=bo).order_by("number")
    assert list(cycles.values_list("state", "start_on")) == [
        ("compliant", datetime.date(2023, 1, 15)),
        ("open", day),
    ]
    # open missing cycles
    assert Cycle.objects.get(certification=cy).start_on == datetime.date(2025, 6, 10)
    # CCP compliance notices: Di's e-mail
    ccp_notices = Notice.objects.filter(member=di.member).exclude(kind="renewal")
    assert list(ccp_notices.values_list("channel", flat=True)) == ["email"]
    # issue renewal invoices: Ed's fee due February 28 (Ann's overdue fee year is invoiced too)
    assert Invoice.objects.get(certification=ed).due_on == datetime.date(2026, 2, 28)
    # send renewal notices: Ed's at-issue e-mail and letter
    renewal = Notice.objects.filter(member=ed.member, kind="renewal")
    assert sorted(renewal.values_list("channel", flat=True)) == ["email", "letter"]
    # mail batch: the two letters written today (Ed's at issue, Ann's at lapse), printed by the nightly job
    batch = MailBatch.objects.get(day=day)
    letters = Notice.objects.filter(channel="letter")
    assert sorted(letters.values_list("member__first_name", "state")) == [("Ann", "sent"), ("Ed", "sent")]
    assert (batch.letter_count, batch.built_by) == (2, None)
    # deliver pending notices: every e-mail sent
    emails = Notice.objects.filter(channel="email")
    assert set(emails.values_list("state", flat=True)) == {"sent"}
    recipients = sorted(emails.values_list("recipient", flat=True))
    assert len(recipients) >= 3  # at least Ann's, Di's and Ed's
    assert sorted(message.to[0] for message in mailoutbox) == recipients

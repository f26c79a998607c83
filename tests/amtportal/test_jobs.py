import datetime
from decimal import Decimal

from django.utils.module_loading import import_string

from amtportal.celery import app
from amtportal.jobs import DAILY_JOBS, DailyJob
from amtportal.tasks import daily_jobs_chain


def test_every_daily_job_is_scheduled_once_in_order_and_is_a_registered_task():
    """Given the daily job list, then beat starts one nightly run whose chain holds each job once, in the
    list's order (a job starts when the previous one has finished), and each is a task the worker knows."""
    app.loader.import_default_modules()
    entries = list(app.conf.beat_schedule.values())

    assert [entry["task"] for entry in entries] == [
        "amtportal.tasks.run_daily_jobs",
        "amtportal.tasks.watch_running_jobs",  # not a daily job: the watch over the running ones
    ]
    run = daily_jobs_chain("2026-01-15", 7)
    assert {task.task for task in run.tasks} == {"amtportal.tasks.run_job"}
    assert [task.args for task in run.tasks] == [("2026-01-15", 7, n) for n in range(len(DAILY_JOBS))]
    assert all(task.immutable for task in run.tasks)
    nightly = [
        DailyJob("nightly", "amtportal.tasks.run_daily_jobs"),
        DailyJob("job", "amtportal.tasks.run_job"),
    ]
    assert all(job.task in app.tasks for job in DAILY_JOBS + nightly)
    assert "amtportal.tasks.watch_running_jobs" in app.tasks
    # A chunked job's plan, chunk and finish are functions the worker can import (amtportal.jobs)
    chunked = [job for job in DAILY_JOBS if job.chunked]
    assert [job.name for job in chunked] == [
        "update statuses",
        "issue renewal invoices",
        "send renewal notices",
        "mail batch",
        "deliver pending notices",
    ]
    for job in chunked:
        for path in filter(None, (job.plan, job.chunk, job.finish)):
            assert callable(import_string(path)), path


def test_the_nightly_run_runs_every_job_for_its_date(
    db, seeded, time_machine, settings, tmp_path, mailoutbox
):
    """Given one member for each daily job's work on January 15, 2026, when the nightly task runs for that
    date (in-process tasks, no broker), then each job did its part: a status updated, the cycle of a
    certification no longer active ended, a cycle rolled and the next opened, a missing cycle opened, a
    cycle become compliant without an edit reported, a CCP notice and a renewal invoice with its notices
    written, the day's letters in the mail batch, and the pending e-mails delivered. (The card-payment
    reconciliation needs localstripe: tests/integration and tests/billing/test_payments.py check it.)"""
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
        MemberFactory(first_name="Ann", user__email="ann@example.org"),
        certified_on=datetime.date(2018, 12, 10),
        paid_through=datetime.date(2025, 11, 30),
    )
    # Flo: certified in November 2021, no fee paid since: Lapsed (fees) since December 1, 2022, so she must
    # recertify from December 1, 2025, while her second cycle (to November 19, 2027) is still open
    flo = make_certification(
        MemberFactory(first_name="Flo", user__email="flo@example.org"),
        certified_on=datetime.date(2021, 11, 20),
    )
    assert (flo.status, Cycle.objects.get(certification=flo).state) == ("lapsed", "open")
    # Bo: his first cycle (January 15, 2023 to January 14, 2026) ended yesterday with 30 points
    bo = make_certification(
        MemberFactory(first_name="Bo", user__email="bo@example.org"),
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
        MemberFactory(first_name="Cy", user__email="cy@example.org"),
        certified_on=datetime.date(2025, 6, 10),
        paid_through=datetime.date(2026, 5, 31),
    )
    Cycle.objects.filter(certification=cy).delete()
    # Gil: 29 contact hours and a committee role since July 1, 2025 (2 points a year): 29.51 of 30 points
    # today; the role's days bring her to 30.09 on January 15 with no edit
    gil = make_certification(
        MemberFactory(first_name="Gil", user__email="gil@example.org"),
        certified_on=datetime.date(2024, 9, 10),
        paid_through=datetime.date(2027, 8, 31),
    )
    for code, claim in (
        ("professional-education", {"completed_on": datetime.date(2025, 9, 1), "quantity": Decimal("29")}),
        ("organizational-participation", {"period_start": datetime.date(2025, 7, 1), "period_end": None}),
    ):
        ccp_services.activity_record(
            certification=gil, today=datetime.date(2025, 10, 1), recorded_by=None,
            category=ActivityCategory.objects.get(code=code), title="Committee", helps_job=True, **claim,
        )  # fmt: skip
    gil.refresh_from_db()
    assert (gil.ccp_compliant_through, gil.active_through) == (None, datetime.date(2027, 9, 9))
    # Di: her cycle ends April 15, 2026 (90 days after today) and she has no points: a CCP notice is due
    make_certification(
        MemberFactory(first_name="Di", user__email="di@example.org"),
        certified_on=datetime.date(2023, 4, 16),
        paid_through=datetime.date(2026, 4, 30),
    )
    # Ed: anniversary in February: the fee due February 28, 2026 is 44 days away, so it is invoiced today
    # (his cycle ends in 2027: no CCP notice yet)
    ed = make_certification(
        MemberFactory(first_name="Ed", user__email="ed@example.org"),
        certified_on=datetime.date(2021, 2, 10),
        paid_through=datetime.date(2026, 1, 31),
    )
    # The run starts at 4 p.m. in Chicago; time runs, so the letters are written before the batch's cutoff
    time_machine.move_to(datetime.datetime(2026, 1, 15, 22, tzinfo=datetime.UTC), tick=True)

    app.loader.import_default_modules()  # as a worker does at start: every app's tasks registered
    assert run_daily_jobs("2026-01-15") == "2026-01-15"

    # update statuses
    ann.refresh_from_db()
    assert ann.status == "lapsed"
    # close cycles of inactive certifications: Flo must recertify, her open cycle ended
    flo.refresh_from_db()
    assert flo.status == "must_recertify"
    flo_cycle = Cycle.objects.get(certification=flo)
    assert (flo_cycle.get_state_display(), flo_cycle.closed_on) == ("Ended: certification not active", day)
    # roll cycles: Bo's first cycle closed compliant, the next one open from today
    cycles = Cycle.objects.filter(certification=bo).order_by("number")
    assert list(cycles.values_list("state", "start_on")) == [
        ("compliant", datetime.date(2023, 1, 15)),
        ("open", day),
    ]
    # open missing cycles
    assert Cycle.objects.get(certification=cy).start_on == datetime.date(2025, 6, 10)
    # refresh CCP compliance: Gil's cycle is compliant, so she is active through her fees' limit, not its end
    gil.refresh_from_db()
    assert (
        gil.ccp_compliant_through == Cycle.objects.get(certification=gil).end_on == datetime.date(2027, 9, 9)
    )
    assert gil.status_reason == "In good standing through September 30, 2027."
    # CCP compliance notices: Di's e-mail
    ccp_notices = Notice.objects.exclude(kind="renewal")
    assert list(ccp_notices.values_list("member__first_name", "channel")) == [("Di", "email")]
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
    assert recipients == ["ann@example.org", "di@example.org", "ed@example.org"]
    assert sorted(message.to[0] for message in mailoutbox) == recipients

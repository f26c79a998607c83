"""Last night's jobs: each nightly run and each job in it recorded, a failed or unusually slow job flagged and
e-mailed to the administrators once, and the staff page that shows the last 30 nights and the running one."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from amtportal import nightly
from amtportal.jobs import DAILY_JOBS
from amtportal.models import JobRun, NightlyRun
from members.models import Notice
from tests.factories import MemberFactory, make_staff
from tests.pages import assert_forbidden, assert_sign_in_asked, get_in_queries, page_text

DAY = datetime.date(2026, 11, 28)
NIGHT = datetime.datetime(2026, 11, 29, 8, 0, tzinfo=datetime.UTC)  # 2 a.m. in Chicago


def started_run(**options) -> NightlyRun:
    return nightly.nightly_run_start(day=DAY, trigger=NightlyRun.Trigger.SCHEDULE, **options)


def send_notices(member, *, emails: int, letters: int):
    """What a job that sends does: outbox rows marked sent now."""
    from core import clock

    for number in range(emails + letters):
        channel = Notice.Channel.EMAIL if number < emails else Notice.Channel.LETTER
        Notice.objects.create(
            member=member, kind="test", key=str(number), channel=channel, subject="s", body_text="b",
            state=Notice.State.SENT, sent_at=clock.now(),
        )  # fmt: skip
    return {"written": emails + letters, "note": "x"}


def past_runs(name: str, seconds: list[float]) -> None:
    """Earlier successful runs of job `name` that took `seconds` each, one a night before DAY."""
    for nights_before, took in enumerate(seconds, start=1):
        started = NIGHT - datetime.timedelta(days=nights_before)
        run = NightlyRun.objects.create(
            day=DAY - datetime.timedelta(days=nights_before), trigger="schedule", state="succeeded",
            started_at=started, finished_at=started + datetime.timedelta(seconds=took),
        )  # fmt: skip
        JobRun.objects.create(
            run=run, position=0, name=name, state="succeeded", started_at=started,
            finished_at=started + datetime.timedelta(seconds=took),
        )  # fmt: skip


@pytest.mark.parametrize(
    ("result", "rows"),
    [
        (12, 12),
        ({"issued": 3, "voided": 2, "label": "x"}, 5),
        ("3 letters", None),
        (None, None),
        (True, None),
    ],
)
def test_the_rows_a_job_reports_are_its_number_or_the_sum_of_its_summary(result, rows):
    assert nightly.rows_of(result) == rows


@pytest.mark.parametrize(
    ("seconds", "usual", "slow"),
    [
        (400, 100, True),
        (300, 100, False),
        (0.4, 0.1, False),
        (90, 20, True),
        (70, 20, False),
        (10, None, False),
    ],
)
def test_far_longer_than_usual_is_over_three_times_the_median_and_a_minute_more(seconds, usual, slow):
    assert nightly.is_slow(seconds, usual) is slow


def test_a_job_is_recorded_with_its_rows_and_what_it_sent(db, seeded, time_machine):
    """Given a run, when its first job sends 2 e-mails and 1 letter, then its row says so, with its times,
    its summary and its rows; the run is still running (more jobs follow)."""
    time_machine.move_to(NIGHT, tick=True)
    member = MemberFactory()
    run = started_run()

    result = nightly.job_run_record(
        run_id=run.pk, position=0, work=lambda: send_notices(member, emails=2, letters=1)
    )

    job = JobRun.objects.get(run=run)
    assert (job.name, job.state, job.rows, job.emails_sent, job.letters_sent) == (
        DAILY_JOBS[0].name, "succeeded", 3, 2, 1,
    )  # fmt: skip
    assert job.result == str(result) and job.finished_at >= job.started_at and not job.flagged
    run.refresh_from_db()
    assert run.state == "running" and run.finished_at is None


def test_the_last_job_finishes_the_run(db, seeded, time_machine):
    time_machine.move_to(NIGHT, tick=True)
    run = started_run()
    for position in range(len(DAILY_JOBS)):
        nightly.job_run_record(run_id=run.pk, position=position, work=lambda: 0)
    run.refresh_from_db()
    assert run.state == "succeeded" and run.finished_at is not None
    assert list(run.jobs.values_list("name", flat=True)) == [job.name for job in DAILY_JOBS]


def test_a_failed_job_is_recorded_flagged_and_mailed_to_administrators_once(
    db, seeded, time_machine, mailoutbox
):
    """Given an administrator and a billing clerk, when a job raises, then the error is raised again (the
    chain stops), the job and the run are failed with the error, and only the administrator is e-mailed,
    once, even when the job's alert is asked again."""
    time_machine.move_to(NIGHT, tick=True)
    make_staff("Administrator", email="ada@staff.example.org")
    make_staff("Billing staff", email="bill@staff.example.org")
    run = started_run()

    def broken():
        raise RuntimeError("the mail house share is not mounted")

    with pytest.raises(RuntimeError):
        nightly.job_run_record(run_id=run.pk, position=3, work=broken)

    job = JobRun.objects.get(run=run)
    run.refresh_from_db()
    assert (job.state, run.state) == ("failed", "failed")
    assert job.error == "RuntimeError: the mail house share is not mounted"
    assert [message.to for message in mailoutbox] == [["ada@staff.example.org"]]
    assert mailoutbox[0].subject == f"Nightly run of November 28, 2026: {DAILY_JOBS[3].name} failed"
    assert "the mail house share is not mounted" in mailoutbox[0].body
    assert nightly.job_run_alert(job) is False
    assert len(mailoutbox) == 1


def test_a_job_far_slower_than_its_median_is_flagged_and_mailed(db, seeded, time_machine, mailoutbox):
    """Given a job that took about 10 s on each of the last five nights, when it takes 100 s tonight, then it
    is flagged slow against a usual 10 s and the administrators hear of it."""
    make_staff("Administrator", email="ada@staff.example.org")
    name = DAILY_JOBS[0].name
    past_runs(name, [9, 10, 10, 11, 10])
    time_machine.move_to(NIGHT, tick=False)
    run = started_run()

    def slow_job():
        time_machine.shift(datetime.timedelta(seconds=100))
        return 7

    nightly.job_run_record(run_id=run.pk, position=0, work=slow_job)

    job = JobRun.objects.get(run=run)
    assert (job.usual_seconds, job.seconds, job.slow, job.state) == (10.0, 100.0, True, "succeeded")
    assert mailoutbox[0].subject == f"Nightly run of November 28, 2026: {name} ran far longer than usual"
    assert "took 100.0 s (usually 10.0 s)" in mailoutbox[0].body


def test_run_daily_jobs_by_hand_is_recorded(db, seeded, time_machine):
    time_machine.move_to(NIGHT, tick=True)
    call_command("run_daily_jobs", date="2026-11-28", only="update statuses", stdout=io.StringIO())
    run = NightlyRun.objects.get()
    assert (run.day, run.trigger, run.only, run.state) == (DAY, "by_hand", "update statuses", "succeeded")
    assert list(run.jobs.values_list("name", "state", "rows")) == [("update statuses", "succeeded", 0)]


def test_a_redelivered_job_is_recorded_once(db, seeded, time_machine):
    """A worker killed in a job: the job is delivered again and its one row is started again."""
    time_machine.move_to(NIGHT, tick=True)
    run = started_run()
    JobRun.objects.create(run=run, position=0, name=DAILY_JOBS[0].name, started_at=NIGHT)
    nightly.job_run_record(run_id=run.pk, position=0, work=lambda: 4)
    assert list(run.jobs.values_list("state", "rows")) == [("succeeded", 4)]


@pytest.fixture
def nights(db, seeded):
    """35 finished nights (the oldest 5 beyond the page), one with a failed job, and tonight's run going."""
    for nights_before in range(35, 0, -1):
        started = NIGHT - datetime.timedelta(days=nights_before)
        failed = nights_before == 2
        run = NightlyRun.objects.create(
            day=DAY - datetime.timedelta(days=nights_before - 1), trigger="schedule",
            state="failed" if failed else "succeeded", started_at=started,
            finished_at=started + datetime.timedelta(minutes=3),
        )  # fmt: skip
        JobRun.objects.create(
            run=run, position=0, name="update statuses", state="failed" if failed else "succeeded",
            started_at=started, finished_at=started + datetime.timedelta(seconds=42), rows=nights_before,
            error="OperationalError: could not connect" if failed else "",
        )  # fmt: skip
    running = NightlyRun.objects.create(
        day=DAY + datetime.timedelta(days=1), trigger="schedule", started_at=NIGHT
    )
    JobRun.objects.create(run=running, position=0, name="update statuses", started_at=NIGHT)


def test_the_page_shows_the_running_run_and_the_last_30_nights(client, nights):
    client.force_login(make_staff("Billing staff"))
    text = page_text(client.get(reverse("nightly_runs")))
    assert text.index("Running now") < text.index("November 29, 2026") < text.index("The last 30 runs")
    assert "November 28, 2026" in text and "October 30, 2026" in text  # the newest and the 30th
    assert "October 29, 2026" not in text  # the 31st finished night is beyond the page
    assert "OperationalError: could not connect" in text and "Failed" in text
    assert "42.0 s" in text and "running" in text


def test_the_page_takes_the_same_queries_for_3_or_35_nights(client, db, seeded, django_assert_num_queries):
    client.force_login(make_staff("Administrator"))
    past_runs("update statuses", [5, 6, 7])
    few = get_in_queries(client, reverse("nightly_runs"), 5, django_assert_num_queries)
    assert few.status_code == 200
    past_runs("roll cycles", [5] * 32)
    many = get_in_queries(client, reverse("nightly_runs"), 5, django_assert_num_queries)
    assert "The last 30 runs" in page_text(many)


def test_only_administrators_and_billing_staff_read_the_nightly_runs(client, db, seeded):
    assert_sign_in_asked(client, [("get", reverse("nightly_runs"))])
    assert_forbidden(
        client,
        [make_staff("Audit reviewer"), make_staff("Recertification processor")],
        [("get", reverse("nightly_runs"))],
        {},
    )
    client.force_login(make_staff("Administrator"))
    assert "Last night's jobs" in page_text(client.get(reverse("staff_home")))


def test_a_mail_server_down_does_not_stop_the_night(db, seeded, time_machine, settings, monkeypatch):
    """Given a slow job and a mail server that refuses, when the job finishes, then its outcome stands and
    the run goes on (no exception for the chain), and the alert is left unsent for the page to show."""
    make_staff("Administrator", email="ada@staff.example.org")
    name = DAILY_JOBS[0].name
    past_runs(name, [10, 10, 10])
    time_machine.move_to(NIGHT, tick=False)
    run = started_run()

    def refused(*args, **kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(nightly, "send_mail", refused)

    def slow_job():
        time_machine.shift(datetime.timedelta(seconds=100))
        return 3

    assert nightly.job_run_record(run_id=run.pk, position=0, work=slow_job) == 3
    job = JobRun.objects.get(run=run)
    assert (job.state, job.slow, job.alerted_at) == ("succeeded", True, None)


def test_a_job_still_running_far_longer_than_usual_is_flagged_and_mailed_once(
    client, db, seeded, time_machine, mailoutbox
):
    """Given a job that usually takes about 10 s, when its worker was killed 5 minutes into tonight's run
    (the row stays Running and nothing will ever finish it), then the watch flags it and e-mails the
    administrators once what to do; a second look flags nothing more, and the page shows the flag."""
    make_staff("Administrator", email="ada@staff.example.org")
    name = DAILY_JOBS[0].name
    past_runs(name, [9, 10, 10, 11, 10])
    time_machine.move_to(NIGHT, tick=False)
    run = started_run()
    nightly._job_started(run, 0, DAILY_JOBS[0])

    time_machine.shift(datetime.timedelta(seconds=60))
    assert nightly.running_jobs_watch() == 0  # 60 s against a usual 10 s: not a minute more than 3x yet

    time_machine.shift(datetime.timedelta(minutes=4))
    assert nightly.running_jobs_watch() == 1
    assert nightly.running_jobs_watch() == 0

    job = JobRun.objects.get(run=run)
    assert (job.state, job.slow, job.flagged, job.alerted_at is not None) == ("running", True, True, True)
    [mail] = mailoutbox
    assert mail.subject == f"Nightly run of November 28, 2026: {name} is still running, far longer than usual"
    assert "running for 300 s so far (usually 10.0 s)" in mail.body
    assert "its worker may have been stopped or killed" in mail.body
    client.force_login(make_staff("Billing staff"))
    text = page_text(client.get(reverse("nightly_runs")))
    assert "Running Far longer than usual administrators e-mailed" in text


def test_a_job_without_history_is_flagged_once_it_runs_past_the_stalled_limit(
    db, seeded, time_machine, mailoutbox, settings
):
    settings.NIGHTLY_JOB_STALLED_SECONDS = 3600
    make_staff("Administrator", email="ada@staff.example.org")
    time_machine.move_to(NIGHT, tick=False)
    run = started_run()
    nightly._job_started(run, 2, DAILY_JOBS[2])
    time_machine.shift(datetime.timedelta(minutes=59))
    assert nightly.running_jobs_watch() == 0
    time_machine.shift(datetime.timedelta(minutes=2))
    assert nightly.running_jobs_watch() == 1
    assert "running for 3660 s so far." in mailoutbox[0].body


def test_the_watch_is_scheduled_every_ten_minutes():
    from amtportal.celery import app

    entry = app.conf.beat_schedule["watch running nightly jobs"]
    assert entry["task"] == "amtportal.tasks.watch_running_jobs"
    assert entry["schedule"].minute == set(range(0, 60, 10))

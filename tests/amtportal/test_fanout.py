"""The nightly run's chunked jobs (amtportal/jobs.py): the plan covers everything once, a chunk redone writes
nothing twice, chunks in any order give what the whole job gives, and the in-process run records them."""

import io

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.core.mail.backends import locmem
from django.core.management import call_command
from django.db import transaction
from django.utils.module_loading import import_string
from hypothesis import given
from hypothesis import strategies as st

import billing.tasks
from amtportal.jobs import DAILY_JOBS, chunks_total
from amtportal.models import JobRun, NightlyRun
from billing.models import Invoice
from core import clock
from core.bulk import id_ranges, ranges_of
from members.models import Certification, MailBatch, MailBatchPart, Notice
from members.services import mail_batch
from tests.factories import MemberFactory, make_staff
from tests.night import make_night, night_state

pytestmark = pytest.mark.django_db

CHUNKED = {job.name: job for job in DAILY_JOBS if job.chunked}


@pytest.fixture
def small_chunks(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MAIL_BATCH_PART_SIZE = 3
    settings.NIGHTLY_CHUNK_SIZE = 4
    settings.EMAIL_DELIVERY_CHUNK_SIZE = 2
    return settings


@given(st.lists(st.integers(min_value=1, max_value=500), unique=True), st.integers(min_value=1, max_value=20))
def test_ranges_of_ids_hold_each_id_once_in_order(ids, size):
    ids = sorted(ids)
    ranges = ranges_of(ids, size)
    covered = [[i for i in ids if first <= i <= last] for first, last in ranges]
    assert [i for chunk in covered for i in chunk] == ids
    assert all(0 < len(chunk) <= size for chunk in covered)


def test_id_ranges_cover_every_row_once_with_gaps(seeded, small_chunks):
    make_night(clock.today(), 14)
    Certification.objects.filter(
        pk__in=list(Certification.objects.values_list("pk", flat=True))[3:6]
    ).delete()
    ids = set(Certification.objects.values_list("pk", flat=True))

    ranges = id_ranges(Certification.objects.all(), 4)

    seen = [pk for first, last in ranges for pk in ids if first <= pk <= last]
    assert sorted(seen) == sorted(ids)  # every row in one range, none in two
    assert all(last - first < 4 for first, last in ranges)
    assert id_ranges(Certification.objects.none(), 4) == []


def test_chunk_results_add_up():
    assert chunks_total([3, None, 4]) == 7
    assert chunks_total([{"issued": 2, "voided": 1}, {"issued": 5, "voided": 0}]) == {
        "issued": 7,
        "voided": 1,
    }
    assert chunks_total([]) == 0


def run_jobs_whole(day: str) -> None:
    for job in DAILY_JOBS:
        import_string(job.task)(day)


def run_jobs_chunked(day: str) -> None:
    """Every chunked job as workers might run it: chunks last to first, each one done twice."""
    for job in DAILY_JOBS:
        if not job.chunked:
            import_string(job.task)(day)
            continue
        plan = job.planned(day)
        results = []
        for arguments in reversed(plan.chunks):
            results.append(job.run_chunk(day, arguments))
            assert chunks_total([job.run_chunk(day, arguments)]) in (0, {"issued": 0, "voided": 0}), job.name
        job.finished(day, chunks_total(results), plan.finish)


def test_chunks_in_any_order_and_redone_end_as_the_whole_jobs(seeded, small_chunks, tmp_path):
    """Given a body with invoices, renewal e-mails, letters and exceptions due tonight, when the night runs
    once as whole jobs and once (rolled back in between) as chunks taken last to first and each done twice,
    then statuses, invoices, notices, pages, manifest and batch runs are the same; each e-mail left once."""
    day = clock.today()
    make_night(day, 20)
    with transaction.atomic():
        run_jobs_whole(day.isoformat())
        whole, whole_mail = night_state(), sorted((m.to[0], m.subject) for m in mail.outbox)
        transaction.set_rollback(True)
    mail.outbox.clear()
    small_chunks.MEDIA_ROOT = tmp_path / "chunked"

    run_jobs_chunked(day.isoformat())

    chunked = night_state()
    assert len(whole["invoices"]) >= 10 and whole["batches"][0]["letters"] >= 8
    assert whole["batches"][0]["exceptions"] and len(whole["batches"][0]["parts"]) >= 3
    assert chunked == whole
    messages = [message.extra_headers["Message-ID"] for message in mail.outbox]
    assert len(messages) == len(set(messages)) == Notice.objects.filter(channel="email", state="sent").count()
    assert sorted((m.to[0], m.subject) for m in mail.outbox) == whole_mail


def letters_of_the_day(day, count):
    make_night(day, count)
    for name in ("issue renewal invoices", "send renewal notices"):
        import_string(CHUNKED[name].task)(day.isoformat())


def test_the_mail_batch_plan_gives_every_letter_one_place(seeded, small_chunks):
    day = clock.today()
    letters_of_the_day(day, 20)
    waiting = Notice.objects.filter(channel="letter", state="pending").count()

    plan = mail_batch.mail_batch_assign(day=day)

    parts = list(MailBatchPart.objects.order_by("number"))
    assert plan.parts == [part.number for part in parts] == list(range(1, len(parts) + 1))
    assert [part.first_sequence for part in parts] == [1 + 3 * n for n in range(len(parts))]
    assert all(part.pdf == "" for part in parts)  # nothing rendered yet: the chunks do that
    sequences = sorted(
        Notice.objects.filter(channel="letter", state="sent").values_list("batch_sequence", flat=True)
    )
    exceptions = Notice.objects.filter(channel="letter", state="failed").count()
    assert (
        sequences == list(range(1, waiting - exceptions + 1)) == list(range(1, parts[-1].last_sequence + 1))
    )
    # Planned again (a redelivered plan, a rerun): no new part, the same parts still to render
    again = mail_batch.mail_batch_assign(day=day)
    assert (again.parts, again.started, MailBatchPart.objects.count()) == (plan.parts, False, len(parts))


def test_a_letters_chunk_redone_writes_its_file_once(seeded, small_chunks):
    day = clock.today()
    letters_of_the_day(day, 20)
    plan = mail_batch.mail_batch_assign(day=day)

    assert mail_batch.mail_batch_part_render(day=day, number=2) == 3
    part = MailBatchPart.objects.get(number=2)
    first = default_storage.open(part.pdf).read()
    assert mail_batch.mail_batch_part_render(day=day, number=2) == 0  # redone: skipped, file kept

    part.refresh_from_db()
    assert default_storage.open(part.pdf).read() == first
    _dirs, files = default_storage.listdir(f"mail-batches/{day:%Y-%m-%d}")
    assert files == ["letters-002.pdf"]
    # The finish refuses to complete a batch whose parts are not all rendered
    with pytest.raises(RuntimeError, match="no print file"):
        mail_batch.mail_batch_complete(
            day=day, built_by=None, started=True, finished_before=False, restored=0
        )
    for number in plan.parts:
        mail_batch.mail_batch_part_render(day=day, number=number)
    batch = mail_batch.mail_batch_complete(
        day=day, built_by=None, started=True, finished_before=False, restored=0
    )
    assert sorted(default_storage.listdir(f"mail-batches/{day:%Y-%m-%d}")[1]) == sorted(
        [f"letters-{n:03d}.pdf" for n in plan.parts] + ["manifest.csv"]
    )
    assert batch.runs.get().outcome.startswith(f"Built: {batch.letter_count} letter(s)")


class DiesAfterSending(locmem.EmailBackend):
    """A mail server connection whose worker is killed just after the n-th message left (before it is
    recorded): `DiesAfterSending.after` messages, then SystemExit."""

    after = 0

    def send_messages(self, messages):
        sent = super().send_messages(messages)
        DiesAfterSending.after -= 1
        if DiesAfterSending.after == 0:
            raise SystemExit("worker killed")
        return sent


def test_an_email_chunk_killed_mid_way_repeats_only_the_one_in_flight(seeded, small_chunks, settings):
    """Given 5 e-mails waiting, when the delivery is killed just after the third left, then the first two
    are recorded sent; the chunk redone sends the rest: only the third is repeated, with its Message-ID."""
    member = MemberFactory()
    notices = [
        Notice.objects.create(member=member, kind="test", key=str(n), channel="email",
                              recipient="a@example.org", subject=f"Message {n}", body_text="b")
        for n in range(5)
    ]  # fmt: skip
    settings.EMAIL_BACKEND = "tests.amtportal.test_fanout.DiesAfterSending"
    job = CHUNKED["deliver pending notices"]
    settings.EMAIL_DELIVERY_CHUNK_SIZE = 5
    [chunk] = job.planned("2026-01-01").chunks
    assert chunk == [notices[0].pk, notices[-1].pk]
    DiesAfterSending.after = 3
    with pytest.raises(SystemExit):
        job.run_chunk("2026-01-01", chunk)
    assert (
        list(Notice.objects.order_by("pk").values_list("state", flat=True))
        == ["sent", "sent"] + ["pending"] * 3
    )

    DiesAfterSending.after = -1
    assert job.run_chunk("2026-01-01", chunk) == 3
    assert job.run_chunk("2026-01-01", chunk) == 0

    ids = [message.extra_headers["Message-ID"] for message in mail.outbox]
    expected = [n.message_id for n in notices]
    assert ids == expected[:3] + expected[2:]  # the one in flight twice, same Message-ID; none lost
    assert set(Notice.objects.values_list("state", "attempts")) == {("sent", 1)}


def test_the_in_process_run_records_a_chunked_job_like_any_job(seeded, small_chunks):
    day = clock.today()
    make_night(day, 12)

    call_command("run_daily_jobs", "--date", day.isoformat(), stdout=io.StringIO())

    run = NightlyRun.objects.get()
    assert run.state == "succeeded"
    jobs = {job.name: job for job in run.jobs.all()}
    assert [j.state for j in jobs.values()] == ["succeeded"] * len(DAILY_JOBS)
    assert jobs["issue renewal invoices"].rows == Invoice.objects.count() > 0
    batch = MailBatch.objects.get(day=day)
    assert jobs["mail batch"].rows == batch.letter_count > 0
    assert jobs["mail batch"].result == f"{batch.letter_count} letters, {batch.exception_count} exceptions"
    assert jobs["send renewal notices"].rows == Notice.objects.filter(kind="renewal").count()
    assert all(j.finished_at >= j.started_at for j in jobs.values())


def test_a_failing_chunk_fails_the_job_and_the_run_and_stops_it(
    seeded, small_chunks, monkeypatch, mailoutbox
):
    day = clock.today()
    make_night(day, 12)
    make_staff("Administrator", email="admin@example.org")
    real = billing.tasks.issue_invoices_chunk
    calls = []

    def fails_second(day, id_range):
        calls.append(id_range)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(day, id_range)

    monkeypatch.setattr(billing.tasks, "issue_invoices_chunk", fails_second)
    with pytest.raises(RuntimeError, match="disk full"):
        call_command("run_daily_jobs", "--date", day.isoformat(), stdout=io.StringIO())

    run = NightlyRun.objects.get()
    failed = JobRun.objects.get(run=run, name="issue renewal invoices")
    assert (run.state, failed.state, failed.error) == ("failed", "failed", "RuntimeError: disk full")
    assert not JobRun.objects.filter(run=run, name="send renewal notices").exists()
    assert [m.subject for m in mailoutbox if "admin@example.org" in m.to] == [
        f"Nightly run of {day:%B %-d, %Y}: issue renewal invoices failed"
    ]

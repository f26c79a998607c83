"""The busiest night of a large body, run whole through real Celery workers on Redis and PostgreSQL.

`prepare` writes a body of N members (default 1,000,000) into a template database with set-based SQL
(bench/billing_cohort.py's body: one certification each, anniversary months spread evenly, 97% Active
and paid, 3% Lapsed, 2% without a street address), gives every certification event its issued Credly
badge and its current CCP cycle (the daily job's own rule, written in bulk), and settles it by running the
real nightly chain once, in this process, for the day before the bench day (statuses derived, status lists
signed), e-mail to the dummy backend; the CCP notices whose step had passed before are written as sent. On the
bench day (default 2026-11-01) a whole anniversary month falls due 60 days later: 1/12 of the body gets
its invoice, its e-mail and its letter that night.

`run` copies the template into a fresh database for each worker count (CREATE DATABASE ... TEMPLATE), starts
that many `celery worker --concurrency 1` processes (each one process, as one small machine would run),
sends the nightly run to them through Redis, and reads each job's record (amtportal.models.JobRun) when
the run ends: its time, rows, e-mails and letters, and the speedup between worker counts. E-mail goes to
Django's file backend (one file per connection in a folder of the run), so the e-mails can be counted by
Message-ID. The peak resident memory of each worker process (VmHWM) is read before it is stopped.

`run --kill letters,emails` (with 2 or more workers) SIGKILLs a whole worker (its main and child process,
as a machine that dies) once the mail batch has rendered some of its parts, and again once some of the
night's e-mails are out, then starts a new one in its place. The end state is compared with the clean run's
of the same worker count: invoices, letters, parts, pages (pypdf), manifest rows, and e-mails (files,
distinct Message-IDs, repeats).

    psql -h 127.0.0.1 -U postgres -c "drop database if exists amt_night_base"
    .venv/bin/python bench/busiest_night.py prepare --members 1000000
    .venv/bin/python bench/busiest_night.py run --workers 1,2
    .venv/bin/python bench/busiest_night.py run --workers 2 --kill letters,emails

Everything listens on 127.0.0.1; the Redis database (default 15) is flushed before each run.
"""

import argparse
import contextlib
import csv
import datetime
import io
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVER = "postgres://postgres@127.0.0.1:5432"
BASE, RUN = "amt_night_base", "amt_night_base_run"  # --base names them
REDIS = "redis://127.0.0.1:6379/15"
QUEUE = "night-bench"


def database_url(name: str) -> str:
    return f"{SERVER}/{name}"


def psql(statement: str, database: str = "postgres") -> str:
    done = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-qAtc", statement],
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


def in_django(database: str, extra: dict | None = None) -> None:
    """Point this process's Django at `database` (before django.setup)."""
    os.environ["DATABASE_URL"] = database_url(database)
    os.environ.update(extra or {})
    sys.path.insert(0, str(ROOT / "bench"))
    import _setup  # noqa: F401, PLC0415 - sets Django up


# --- prepare ---------------------------------------------------------------------------------------------

BADGES = """
INSERT INTO recert_badge (certification_id, anchor_date, state, credly_id, attempts, last_error, ended_on,
                          end_reason, revoked_at, created_at, updated_at)
SELECT id, COALESCE(reinstated_on, certified_on), 'issued', 'bench-' || id, 1, '', NULL, '', NULL, now(),
       now()
FROM members_certification
ON CONFLICT DO NOTHING
"""


def open_cycles(today: datetime.date) -> int:
    """Each CCP-required certification's current cycle, as the daily job would open it (ccp.services.cycles'
    own rule and row), written with bulk_create: the job itself opens them one at a time, which a body that
    already runs never asks of it for more than a few certifications a night."""
    from ccp.models import Cycle  # noqa: PLC0415
    from ccp.services.cycles import CCP_REQUIRED, _new_cycle  # noqa: PLC0415
    from members import rules as member_rules  # noqa: PLC0415
    from members.models import Certification  # noqa: PLC0415

    certifications = Certification.objects.filter(
        CCP_REQUIRED, status__in=member_rules.RENEWING_STATUSES
    ).only("pk", "certified_on", "reinstated_on")
    batch, opened = [], 0
    for certification in certifications.iterator(chunk_size=10_000):
        bounds = member_rules.cycle_containing(certification.anchor_date, today)
        if bounds is not None:
            batch.append(_new_cycle(certification, bounds))
        if len(batch) >= 10_000:
            opened += len(Cycle.objects.bulk_create(batch))
            batch = []
    return opened + len(Cycle.objects.bulk_create(batch))


# The CCP notices a running body has already sent: each open cycle's latest step passed before the settling
# night (180, 90, 30 days before its end: ccp.services.notices.due_step), as sent outbox rows, so that the
# settling night does not catch up a sixth of the body at once (which a running body never asks).
CCP_NOTICES_SENT = """
INSERT INTO members_notice (member_id, kind, key, channel, state, recipient, subject, body_text, body_html,
                            message_uuid, attempts, last_error, created_at, sent_at)
SELECT c.member_id, 'ccp_compliance', 'cycle-' || y.id || '-' || s.step, 'email', 'sent', u.email,
       'CCP points (bench history)', 'bench', '', md5(random()::text || y.id)::uuid, 1, '', now(), now()
FROM ccp_cycle y
JOIN members_certification c ON c.id = y.certification_id
JOIN members_member m ON m.id = c.member_id
JOIN members_user u ON u.id = m.user_id
CROSS JOIN LATERAL (
    SELECT CASE WHEN y.end_on - %(before)s <= 30 THEN 30 WHEN y.end_on - %(before)s <= 90 THEN 90 ELSE 180 END
) AS s (step)
WHERE y.state = 'open' AND y.end_on BETWEEN %(before)s AND %(before)s + 180
ON CONFLICT DO NOTHING
"""


def prepare(members: int, day: datetime.date) -> None:
    psql(f"DROP DATABASE IF EXISTS {BASE}")
    psql(f"CREATE DATABASE {BASE}")
    os.environ.pop("REDIS_URL", None)  # the settling night runs in this process, tasks eager
    env = {**os.environ, "DATABASE_URL": database_url(BASE)}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    media = tempfile.mkdtemp(prefix="amt-night-base-")
    in_django(BASE, {"EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend", "MEDIA_ROOT": media})
    from billing_cohort import generate  # noqa: PLC0415
    from django.conf import settings  # noqa: PLC0415
    from django.core.management import call_command  # noqa: PLC0415
    from django.db import connection  # noqa: PLC0415

    settings.DEBUG = False
    began = time.perf_counter()
    generate(members, day)
    with connection.cursor() as cursor:
        cursor.execute(BADGES)
    opened = open_cycles(day - datetime.timedelta(days=1))
    with connection.cursor() as cursor:
        cursor.execute(CCP_NOTICES_SENT, {"before": day - datetime.timedelta(days=2)})
        cursor.execute("VACUUM ANALYZE")
    print(f"body written in {time.perf_counter() - began:.0f} s ({opened} open CCP cycles)", flush=True)
    # The night before, in this process: cycles opened, statuses derived, lists signed. Badge calls for the
    # few certifications whose status changes are not what is measured: they stay queued as errors.
    settings.MEMBERS_STATUS_CHANGED_TASKS = []
    call_command("credential_signing_key")
    began = time.perf_counter()
    call_command("run_daily_jobs", date=(day - datetime.timedelta(days=1)).isoformat())
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"settled by the night before in {time.perf_counter() - began:.0f} s", flush=True)
    connection.close()


# --- run -------------------------------------------------------------------------------------------------


@dataclass
class Worker:
    name: str
    process: subprocess.Popen
    log: Path
    peaks_mb: dict[int, float] = field(default_factory=dict)

    def processes(self) -> list[int]:
        """The worker's main process and its children (the prefork pool)."""
        pids = [self.process.pid]
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text()
            pids += [int(pid) for pid in children.split()]
        except OSError:
            pass
        return pids

    def sample(self) -> None:
        for pid in self.processes():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    self.peaks_mb[pid] = max(self.peaks_mb.get(pid, 0.0), int(line.split()[1]) / 1024)

    def kill(self) -> None:
        self.sample()
        for pid in self.processes():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        self.sample()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.kill()


def worker_environment(mail: Path, media: Path, visibility: int) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(RUN),
        "REDIS_URL": REDIS,
        "CELERY_TASK_DEFAULT_QUEUE": QUEUE,
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789abcdef",
        "ALLOWED_HOSTS": "127.0.0.1",
        "EMAIL_URL": f"filemail:///{mail}",  # Django's file backend, one file per connection (absolute path)
        "MEDIA_ROOT": str(media),
        "CREDENTIAL_SIGNING_KEY_FILE": str(media.parent / "credential-signing-key.pem"),
        "CREDLY_API_BASE": "http://127.0.0.1:9/v1",  # nothing listens: a badge call fails at once
        "CREDLY_MAX_RETRIES": "0",
        # a killed worker's chunk comes back after this instead of an hour; it must stay longer than any chunk
        # takes, or a chunk still running is delivered again (and its chord may count it twice)
        "CELERY_VISIBILITY_TIMEOUT": str(visibility),
        "CELERY_RESTORE_SWEEP_SECONDS": "10",
        "PYTHONUNBUFFERED": "1",
    }
    return env


def start_worker(number: int, env: dict, logs: Path) -> Worker:
    name = f"night{number}@127.0.0.1"
    log = logs / f"worker-{number}.log"
    command = [
        str(Path(sys.executable).with_name("celery")), "-A", "amtportal", "worker", "--concurrency", "1",
        "--pool", "prefork", "-Q", QUEUE, "-n", name, "--without-gossip", "--without-mingle",
        "--loglevel", "WARNING",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    return Worker(name, process, log)


def fresh_run_database() -> None:
    psql(f"DROP DATABASE IF EXISTS {RUN} WITH (FORCE)")
    psql(f"CREATE DATABASE {RUN} TEMPLATE {BASE}")


def flush_redis() -> None:
    import redis  # noqa: PLC0415

    redis.Redis.from_url(REDIS).flushdb()


@dataclass
class Outcome:
    workers: int
    seconds: float
    jobs: list[dict]
    state: dict
    peak_mb: float
    killed: list[str]


def jobs_of(run_id: int) -> list[dict]:
    rows = psql(
        "SELECT json_agg(j ORDER BY position) FROM (SELECT position, name, state, rows, emails_sent, "
        "letters_sent, extract(epoch FROM finished_at - started_at) AS seconds, error "
        f"FROM amtportal_jobrun WHERE run_id = {run_id}) j",
        RUN,
    )
    return json.loads(rows or "[]")


def run_state() -> tuple[int, str] | None:
    row = psql("SELECT id || ' ' || state FROM amtportal_nightlyrun ORDER BY id DESC LIMIT 1", RUN)
    if not row:
        return None
    run_id, state = row.split()
    return int(run_id), state


def running_job(run_id: int) -> str:
    return psql(
        f"SELECT name FROM amtportal_jobrun WHERE run_id = {run_id} AND state = 'running' ORDER BY position "
        "DESC LIMIT 1",
        RUN,
    )


def end_state(day: datetime.date, mail: Path, media: Path) -> dict:
    """What the night left: the counts a clean run and a killed one must share."""
    from pypdf import PdfReader  # noqa: PLC0415

    def one(sql: str) -> int:
        return int(psql(sql, RUN) or 0)

    iso = day.isoformat()
    parts = psql(
        "SELECT p.pdf FROM members_mailbatchpart p JOIN members_mailbatch b ON b.id = p.batch_id "
        f"WHERE b.day = '{iso}' ORDER BY p.number",
        RUN,
    ).split()
    pages = sum(len(PdfReader(media / name).pages) for name in parts)
    manifest = psql(f"SELECT manifest FROM members_mailbatch WHERE day = '{iso}'", RUN)
    manifest_rows = (
        sum(1 for _ in csv.reader(io.StringIO((media / manifest).read_text()))) - 1 if manifest else 0
    )
    message_ids: list[str] = []
    for path in mail.glob("*.log"):
        for line in path.read_text(errors="replace").splitlines():
            if line.lower().startswith("message-id:"):
                message_ids.append(line.split(":", 1)[1].strip())
    return {
        "invoices issued": one(f"SELECT count(*) FROM billing_invoice WHERE issued_on = '{iso}'"),
        "e-mails sent (outbox)": one(
            "SELECT count(*) FROM members_notice WHERE channel = 'email' AND state = 'sent' AND sent_at >= "
            f"(SELECT started_at FROM amtportal_nightlyrun WHERE day = '{iso}' ORDER BY id DESC LIMIT 1)"
        ),
        "letters in the batch": one(f"SELECT letter_count FROM members_mailbatch WHERE day = '{iso}'"),
        "letter exceptions": one(
            f"SELECT jsonb_array_length(exceptions) FROM members_mailbatch WHERE day = '{iso}'"
        ),
        "parts": len(parts),
        "pages (pypdf)": pages,
        "manifest rows": manifest_rows,
        "e-mails delivered (messages)": len(message_ids),
        "distinct Message-IDs": len(set(message_ids)),
    }


def run_night(workers: int, day: datetime.date, kill: list[str], timeout: float, visibility: int) -> Outcome:
    fresh_run_database()
    flush_redis()
    scratch = Path(tempfile.mkdtemp(prefix=f"amt-night-{workers}-"))
    mail, media, logs = scratch / "mail", scratch / "media", scratch / "logs"
    for folder in (mail, media, logs):
        folder.mkdir()
    env = worker_environment(mail, media, visibility)
    subprocess.run([sys.executable, "manage.py", "credential_signing_key"], cwd=ROOT, env=env, check=True)
    pool = [start_worker(number, env, logs) for number in range(1, workers + 1)]
    retired: list[Worker] = []
    killed: list[str] = []
    try:
        time.sleep(5)  # the workers connect
        celery = str(Path(sys.executable).with_name("celery"))
        sender = subprocess.run(
            [celery, "-A", "amtportal", "call", "amtportal.tasks.run_daily_jobs",
             "--args", json.dumps([day.isoformat()]), "--queue", QUEUE],
            cwd=ROOT, env=env, check=True, capture_output=True, text=True,
        )  # fmt: skip
        began = time.perf_counter()
        print(f"  {workers} worker(s): night sent ({sender.stdout.strip()}), logs in {logs}", flush=True)
        pending_kills = list(kill)
        last = ""
        state = None
        while time.perf_counter() - began < timeout:
            time.sleep(2)
            for worker in pool:
                worker.sample()
            state = run_state()
            if state is None:
                continue
            run_id, run_status = state
            if run_status != "running":
                break
            job = running_job(run_id)
            if job != last:
                print(f"    {time.perf_counter() - began:7.1f}s  {job}", flush=True)
                last = job
            due = [what for what in pending_kills if should_kill(what, job, day, mail)]
            if due:
                pending_kills.remove(due[0])
                victim = pool.pop(0)
                victim.kill()
                retired.append(victim)
                killed.append(f"{due[0]} at {time.perf_counter() - began:.1f}s ({victim.name})")
                print(f"    SIGKILL {victim.name} in {job}", flush=True)
                pool.append(start_worker(len(pool) + len(retired) + 1, env, logs))
        seconds = time.perf_counter() - began
    finally:  # never leave a worker behind: it would take the next night's tasks with this one's folders
        for worker in pool:
            worker.stop()
    peaks = [peak for worker in pool + retired for peak in worker.peaks_mb.values()]
    if state is None or state[1] == "running":
        raise SystemExit(f"the night did not end within {timeout:.0f} s: see {logs}")
    run_id = state[0]
    return Outcome(
        workers, seconds, jobs_of(run_id), end_state(day, mail, media), max(peaks, default=0), killed
    )


def should_kill(what: str, job: str, day: datetime.date, mail: Path) -> bool:
    if what == "letters":
        rendered = psql(
            "SELECT count(*) FROM members_mailbatchpart p JOIN members_mailbatch b ON b.id = p.batch_id "
            f"WHERE b.day = '{day.isoformat()}' AND p.pdf <> ''",
            RUN,
        )
        return job == "mail batch" and int(rendered or 0) >= 1
    if what == "emails":
        return job in ("send renewal notices", "deliver pending notices") and any(mail.glob("*.log"))
    raise SystemExit(f"--kill: unknown step {what!r} (letters, emails)")


def label(outcome: Outcome) -> str:
    return f"{outcome.workers} worker(s)" + (", killed" if outcome.killed else "")


def report(outcomes: list[Outcome]) -> None:
    names = [job["name"] for job in outcomes[0].jobs]
    header = f"{'job':42}" + "".join(f"{label(o):>20}" for o in outcomes)
    print("\n" + header + ("   speedup" if len(outcomes) > 1 else "") + "   rows / e-mails / letters")
    for position, name in enumerate(names):
        cells = [o.jobs[position] if position < len(o.jobs) else {} for o in outcomes]
        times = [float(cell.get("seconds") or 0) for cell in cells]
        line = f"{name:42}" + "".join(f"{t:19.1f}s" for t in times)
        if len(times) > 1 and times[-1] > 0 and not outcomes[-1].killed:
            line += f"   x{times[0] / times[-1]:5.2f}"
        first = cells[0]
        line += f"   {first.get('rows')} / {first.get('emails_sent')} / {first.get('letters_sent')}"
        print(line)
    totals = [sum(float(job.get("seconds") or 0) for job in o.jobs) for o in outcomes]
    print(f"{'the jobs added up':42}" + "".join(f"{total:19.1f}s" for total in totals))
    print(f"{'wall clock, sent to ended':42}" + "".join(f"{o.seconds:19.1f}s" for o in outcomes))
    print(f"{'peak RSS of a worker process':42}" + "".join(f"{o.peak_mb:18.0f}MB" for o in outcomes))
    print("\nend state:")
    keys = list(outcomes[0].state)
    for key in keys:
        print(f"  {key:34}" + "".join(f"{o.state.get(key, ''):>20}" for o in outcomes))
    for outcome in outcomes:
        if outcome.killed:
            print(f"  killed ({outcome.workers} workers): {'; '.join(outcome.killed)}")


def main() -> None:
    global BASE, RUN  # noqa: PLW0603 - the databases every step reads, named once from the arguments
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("action", choices=["prepare", "run"])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--base", default=BASE, help="The template database (its nights run in <base>_run).")
    parser.add_argument(
        "--date", default="2026-11-01", help="The busiest day (a month's fees due in 60 days)."
    )
    parser.add_argument("--workers", default="1,2", help="Worker counts, one night each.")
    parser.add_argument("--kill", default="", help="letters,emails: SIGKILL a worker in those steps.")
    parser.add_argument(
        "--clean-too", action="store_true", help="With --kill: a clean night first, compared."
    )
    parser.add_argument("--timeout", type=float, default=3 * 3600)
    parser.add_argument(
        "--visibility",
        type=int,
        default=600,
        help="Broker visibility timeout (s): the wait for a killed chunk.",
    )
    args = parser.parse_args()
    BASE, RUN = args.base, f"{args.base}_run"
    day = datetime.date.fromisoformat(args.date)
    if args.action == "prepare":
        prepare(args.members, day)
        return
    body = psql("SELECT count(*) FROM members_certification", BASE)
    print(f"template {BASE}: {body} certifications; night of {day}", flush=True)
    kill = [step for step in args.kill.split(",") if step]
    outcomes = []
    for workers in [int(count) for count in args.workers.split(",")]:
        if kill and args.clean_too:
            outcomes.append(run_night(workers, day, [], args.timeout, args.visibility))
        outcomes.append(run_night(workers, day, kill, args.timeout, args.visibility))
    report(outcomes)


if __name__ == "__main__":
    main()

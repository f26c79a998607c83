"""Fixtures of the integration tests: real PostgreSQL, real Redis, a real Celery worker.

Without the services the tests skip with a reason; with REQUIRE_SERVICES=1 (CI) a missing service fails
them instead, so CI cannot go green by skipping.
"""

import os
import secrets
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from django.conf import settings
from django.db import connection, transaction

THREAD_TIMEOUT = 30  # seconds
WORKER_START_TIMEOUT = 60  # seconds
WORKER_STOP_TIMEOUT = 15  # seconds
TASK_TIMEOUT = 60  # seconds


def services_required() -> bool:
    return os.environ.get("REQUIRE_SERVICES", "").strip().lower() in {"1", "true", "yes"}


def require(condition: bool, reason: str) -> None:
    """Skip the test when `condition` is false, or fail it when the environment requires the services."""
    if condition:
        return
    if services_required():
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def redis_problem(url: str) -> str | None:
    """None when Redis at `url` answers a PING, else what went wrong."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        shown = urlsplit(url)._replace(netloc=urlsplit(url).netloc.rpartition("@")[2]).geturl()
        return f"Redis at {shown} does not answer ({error})"
    finally:
        client.close()
    return None


@pytest.fixture
def require_postgres():
    """The test database is PostgreSQL (DATABASE_URL=postgres://...)."""
    require(connection.vendor == "postgresql", "needs PostgreSQL: set DATABASE_URL")


@pytest.fixture
def require_redis() -> str:
    """Redis answers at REDIS_URL; returns the URL."""
    url = settings.REDIS_URL
    require(bool(url), "needs Redis: set REDIS_URL")
    problem = redis_problem(url)
    require(problem is None, problem or "")
    return url


# --- Races: calls in threads of their own -------------------------------------------------------------------


def at_once(*calls, hold=None):
    """Run each call in its own thread, released together, and return their results (re-raising an error).

    `hold`: a queryset locked (select_for_update) while the threads start, released only once every thread
    waits for that lock, so that all of them are inside the service at the same moment."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index, call):
        try:
            barrier.wait(timeout=THREAD_TIMEOUT)
            results[index] = call()
        except BaseException as error:  # reported in the test's thread
            errors.append(error)
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    with transaction.atomic():
        if hold is not None:
            list(hold.select_for_update())
        for thread in threads:
            thread.start()
        if hold is not None:
            wait_for_lock_waiters(len(calls))
    for thread in threads:
        thread.join(timeout=THREAD_TIMEOUT)
        assert not thread.is_alive(), "a thread did not finish: a lock is never released?"
    if errors:
        raise errors[0]
    return results


def wait_for_lock_waiters(count: int) -> None:
    """Wait until `count` other connections wait for a lock (PostgreSQL's pg_stat_activity)."""
    deadline = time.monotonic() + THREAD_TIMEOUT
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # else a transaction sees one snapshot only
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0] >= count:
                return
        time.sleep(0.05)
    pytest.fail(f"{count} threads never all waited for the held lock")


# --- A real Celery worker -----------------------------------------------------------------------------------


def worker_database_url() -> str:
    """A DATABASE_URL for the test database this process uses (after pytest-django created it)."""
    db = connection.settings_dict
    user = quote(db.get("USER") or "", safe="")
    password = quote(str(db.get("PASSWORD") or ""), safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{credentials}{db.get('HOST') or ''}{port}/{quote(db['NAME'], safe='')}"


@dataclass
class WorkerProcess:
    process: subprocess.Popen
    queue: str
    node: str  # the worker's node name (-n)
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def run(self, task_name: str, *args, timeout: float = TASK_TIMEOUT):
        """Send a task to this worker through the broker and return its result (read from Redis)."""
        from amtportal.celery import app

        # send_task always goes to the broker; eager mode (test settings) is switched off only so that
        # Celery neither warns about it nor refuses to read the result from the backend.
        eager = app.conf.task_always_eager
        app.conf.task_always_eager = False
        try:
            result = app.send_task(task_name, args=list(args), queue=self.queue)
            try:
                value = result.get(timeout=timeout)
            except Exception as error:
                pytest.fail(f"{task_name} failed or timed out ({error!r}); worker log:\n{self.log()}")
            finally:
                result.forget()
        finally:
            app.conf.task_always_eager = eager
        # The worker logs the success just after storing the result: allow it a moment.
        deadline = time.monotonic() + 10
        while f"{task_name}[{result.id}] succeeded" not in self.log():
            assert time.monotonic() < deadline, f"the task did not run in this worker:\n{self.log()}"
            time.sleep(0.05)
        return value


def _wait_until_ready(worker: WorkerProcess, app) -> None:
    deadline = time.monotonic() + WORKER_START_TIMEOUT
    while time.monotonic() < deadline:
        if worker.process.poll() is not None:
            code = worker.process.returncode
            pytest.fail(f"the Celery worker exited with {code} before it was ready:\n{worker.log()}")
        if " ready." in worker.log() and app.control.ping(destination=[worker.node], timeout=1.0):
            return
        time.sleep(0.2)
    pytest.fail(f"the Celery worker was not ready after {WORKER_START_TIMEOUT}s:\n{worker.log()}")


def _stop(worker: WorkerProcess) -> None:
    if worker.process.poll() is not None:
        return
    worker.process.terminate()  # warm shutdown
    try:
        worker.process.wait(timeout=WORKER_STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        worker.process.kill()
        worker.process.wait(timeout=WORKER_STOP_TIMEOUT)


def _forget_queue(redis_url: str, worker: WorkerProcess) -> None:
    """Remove the keys only this run made in Redis: its queue, its binding, its worker's mailbox."""
    import redis

    client = redis.Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.delete(
            worker.queue, f"_kombu.binding.{worker.queue}", f"_kombu.binding_permanent.{worker.queue}"
        )
        for key in client.scan_iter("_kombu.binding.*pidbox*"):
            stale = [member for member in client.smembers(key) if worker.node.encode() in member]
            if stale:
                client.srem(key, *stale)
    except redis.RedisError:
        pass  # best effort: the run's own keys are namespaced by a random token
    finally:
        client.close()


@pytest.fixture
def worker_environment() -> dict[str, str]:
    """Extra environment variables of the worker process (a test module overrides this fixture, e.g. to
    point the worker at a bucket); none by default."""
    return {}


def start_worker(*, queue: str, node: str, log_path: Path, env: dict[str, str]) -> WorkerProcess:
    """A `celery worker` subprocess (solo pool: one task at a time) consuming `queue`, with `env` added to
    this process's environment; returned once it answers a ping."""
    from amtportal.celery import app

    celery = Path(sys.executable).with_name("celery")
    command = [
        str(celery) if celery.exists() else sys.executable,
        *([] if celery.exists() else ["-m", "celery"]),
        "-A",
        "amtportal",
        "worker",
        "--pool=solo",
        "--concurrency=1",
        "-Q",
        queue,
        "-n",
        node,
        "--without-heartbeat",
        "--without-gossip",
        "--without-mingle",
        "-l",
        "info",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=settings.BASE_DIR,
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    worker = WorkerProcess(process=process, queue=queue, node=node, log_path=log_path)
    try:
        _wait_until_ready(worker, app)
    except BaseException:
        _stop(worker)
        raise
    return worker


def _worker_env(redis_url: str) -> dict[str, str]:
    return {
        "DATABASE_URL": worker_database_url(),
        "REDIS_URL": redis_url,
        "DJANGO_SETTINGS_MODULE": "amtportal.settings",
        "PYTHONUNBUFFERED": "1",
    }


@pytest.fixture
def celery_worker_process(require_postgres, require_redis, transactional_db, tmp_path, worker_environment):
    """A real `celery worker` subprocess on a queue of its own, using the test database and Redis.

    Data the worker must see has to be committed: use it in a pytest.mark.django_db(transaction=True) test.
    Depends on `transactional_db` so the worker stops before the database is flushed.
    """
    token = secrets.token_hex(6)
    worker = start_worker(
        queue=f"integration-{token}",
        node=f"integration-{token}@localhost",
        log_path=tmp_path / "celery-worker.log",
        env={**_worker_env(require_redis), **worker_environment},
    )
    try:
        yield worker
    finally:
        _stop(worker)
        _forget_queue(require_redis, worker)


class WorkerPool:
    """Worker processes sharing one queue of their own, which is also their default queue: every task
    they queue (a chain's next job, a chord's chunks, e-mails to deliver) stays with them."""

    def __init__(self, redis_url: str, log_dir: Path):
        token = secrets.token_hex(6)
        self.queue = f"integration-{token}"
        self.redis_url = redis_url
        self.log_dir = log_dir
        self.workers: list[WorkerProcess] = []

    def start(self, count: int = 1, **env: str) -> list[WorkerProcess]:
        started = []
        for _ in range(count):
            number = len(self.workers) + 1
            worker = start_worker(
                queue=self.queue,
                node=f"{self.queue}-{number}@localhost",
                log_path=self.log_dir / f"celery-worker-{number}.log",
                env={**_worker_env(self.redis_url), "CELERY_TASK_DEFAULT_QUEUE": self.queue, **env},
            )
            self.workers.append(worker)
            started.append(worker)
        return started

    def send(self, task_name: str, *args) -> None:
        """Queue a task for these workers without waiting for it."""
        from amtportal.celery import app

        eager = app.conf.task_always_eager
        app.conf.task_always_eager = False
        try:
            app.send_task(task_name, args=list(args), queue=self.queue)
        finally:
            app.conf.task_always_eager = eager

    def logs(self) -> str:
        return "\n".join(f"--- {worker.node}\n{worker.log()}" for worker in self.workers)

    def stop(self) -> None:
        for worker in self.workers:
            _stop(worker)
        import redis

        client = redis.Redis.from_url(self.redis_url, socket_connect_timeout=2, socket_timeout=2)
        try:
            client.delete(self.queue, f"_kombu.binding.{self.queue}")
        finally:
            client.close()
        for worker in self.workers:
            _forget_queue(self.redis_url, worker)


@pytest.fixture
def celery_workers(require_postgres, require_redis, transactional_db, tmp_path):
    """Start worker processes on a queue of their own (`pool.start(2, SETTING="value")`); all are stopped
    before the test database is flushed."""
    pool = WorkerPool(require_redis, tmp_path)
    try:
        yield pool
    finally:
        pool.stop()

"""The member dashboard under load, beside a one-query page, on gunicorn and PostgreSQL in one run.

1. Makes (or reuses) the body in DATABASE_URL (bench/dashboard_body.py: generate.py's members with open CCP
   cycles and courses, statuses, this month's invoices), then ANALYZE, as autovacuum would after a load.
2. Opens a real session (the session engine, the keys a login writes) for --sessions distinct members.
3. Starts gunicorn on 127.0.0.1 with production settings: DEBUG off (static files from the collected,
   hashed copies), the same middleware, database sessions, Redis as the cache when REDIS_URL is set,
   CONN_MAX_AGE as given, --workers sync workers.
4. Each round: --clients concurrent clients for --seconds on the dashboard (each request another member's
   session), then as long on the health page (/health/: one SELECT 1, no cookie, as a balancer's probe);
   with --mixed, then both at once (half the clients each).
   The load is Debian's wrk with bench/dashboard_load.lua: an event-driven C client, so the 2 cores go to
   the server rather than to the client (a Python client costs about as much CPU a request as the page).
5. Prints requests, p50, p95, p99 of each phase and the p95 ratio; stops gunicorn and deletes the sessions.

With --profile, first bench/dashboard_profile.py with the server's environment: where a dashboard's time
goes in one process (connection, SQL, template, the rest).
"""

import argparse
import datetime
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import _setup
from dashboard_body import body_make, sample_members, sessions_close, sessions_open
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from core import clock

BENCH = Path(__file__).resolve().parent
ROOT = _setup.ROOT


def server_environment(args) -> dict[str, str]:
    """The production settings the server runs with (README "Environment variables")."""
    environment = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": settings.SECRET_KEY,  # the sessions are signed with it
        "ALLOWED_HOSTS": "127.0.0.1",
        "EMAIL_URL": "smtp://127.0.0.1:25",  # required with DEBUG off; the dashboard sends nothing
        "CONN_MAX_AGE": str(args.conn_max_age),
        "LOG_LEVEL": "WARNING",
    }
    return environment


def gunicorn_start(args, environment) -> subprocess.Popen:
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "amtportal.wsgi",
        f"--bind=127.0.0.1:{args.port}",
        f"--workers={args.workers}",
        "--worker-class=sync",
        f"--backlog={max(64, args.clients * 4)}",
        "--log-level=warning",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=environment, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            request = urllib.request.Request(
                f"http://127.0.0.1:{args.port}/health/", headers={"X-Forwarded-Proto": "https"}
            )
            if urllib.request.urlopen(request, timeout=2).status == 200:
                return server
        except OSError:
            time.sleep(0.3)
    gunicorn_stop(server)
    raise SystemExit("gunicorn did not answer on /health/ within 60 s")


def gunicorn_stop(server: subprocess.Popen) -> None:
    """SIGTERM to the server we started (its own process group: the master and its workers)."""
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def wrk_command(args, path: str, cookies: Path | None, clients: int) -> list[str]:
    return [
        "wrk",
        f"--threads={min(2, clients)}",
        f"--connections={clients}",
        f"--duration={args.seconds}s",
        "--timeout=10s",
        f"--script={BENCH / 'dashboard_load.lua'}",
        f"http://127.0.0.1:{args.port}",
        "--",
        path,
    ] + ([str(cookies)] if cookies else [])


def wrk(*commands: list[str], seconds: int) -> list[dict]:
    """Runs the wrk commands at the same time; each one's figures."""
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, text=True) for command in commands]
    outputs = [run.communicate(timeout=seconds + 60)[0] for run in runs]
    if any(run.returncode for run in runs):
        raise SystemExit("wrk failed")
    return [json.loads(output.strip().splitlines()[-1]) for output in outputs]


def warm(args, keys: list[str]) -> None:
    """Every session read once (each worker's templates compiled, each session checked to be signed in)."""
    for key in keys:
        request = urllib.request.Request(
            f"http://127.0.0.1:{args.port}/",
            headers={"X-Forwarded-Proto": "https", "Cookie": f"{settings.SESSION_COOKIE_NAME}={key}"},
        )
        page = urllib.request.urlopen(request, timeout=30).read().decode()
        assert "Welcome, " in page and "Your certifications" in page, "a session is not signed in"


def line(label: str, figures: dict) -> str:
    return (
        f"{label:<11} {figures['requests']:>7} requests {figures['requests'] / figures['seconds']:7.1f}/s"
        f"  p50 {figures['p50_ms']:7.2f}  p95 {figures['p95_ms']:7.2f}  p99 {figures['p99_ms']:7.2f} ms"
        f"  not 200: {figures['not_200'] + figures['socket_errors']}"
    )


def run_rounds(args, cookies: Path) -> list[float]:
    """Each round: the dashboard alone, the health page alone (all clients each), and with --mixed both at
    once (half the clients each). The goal is judged on the pages alone: at once, both wait in the same
    queue of the same workers, so their ratio says more about the queue than about the dashboard."""
    ratios = []
    for number in range(1, args.rounds + 1):
        (dashboard,) = wrk(wrk_command(args, "/", cookies, args.clients), seconds=args.seconds)
        (health,) = wrk(wrk_command(args, "/health/", None, args.clients), seconds=args.seconds)
        ratio = dashboard["p95_ms"] / health["p95_ms"]
        ratios.append(ratio)
        print(f"round {number}, one after the other ({args.clients} clients each)")
        print("  " + line("dashboard", dashboard))
        print("  " + line("health", health))
        print(f"  p95 ratio dashboard / health: x{ratio:.2f}", flush=True)
        cost = (health["requests"] / health["seconds"]) / (dashboard["requests"] / dashboard["seconds"])
        print(f"  throughput ratio health / dashboard (what a dashboard costs in health pages): x{cost:.2f}")
        if args.mixed:
            half = args.clients // 2
            dashboard, health = wrk(
                wrk_command(args, "/", cookies, half),
                wrk_command(args, "/health/", None, args.clients - half),
                seconds=args.seconds,
            )
            print(f"round {number}, at once ({half} + {args.clients - half} clients)")
            print("  " + line("dashboard", dashboard))
            print("  " + line("health", health))
            mixed_ratio = dashboard["p95_ms"] / health["p95_ms"]
            print(f"  p95 ratio dashboard / health: x{mixed_ratio:.2f}", flush=True)
    return ratios


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--members", type=int, default=100_000, help="Body size (members); made if fewer.")
    parser.add_argument("--cycles-ending", default="2027-08-31", help="End of the generated open cycles.")
    parser.add_argument("--sessions", type=int, default=2000, help="Distinct members signed in.")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers (compose's default).")
    parser.add_argument("--conn-max-age", type=int, default=0, help="CONN_MAX_AGE of the server.")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=15, help="Each phase's length.")
    parser.add_argument("--rounds", type=int, default=3, help="Dashboard then health, this many times.")
    parser.add_argument("--port", type=int, default=8614)
    parser.add_argument("--mixed", action="store_true", help="Each round also both pages at once.")
    parser.add_argument("--profile", action="store_true", help="First, where a dashboard's time goes.")
    args = parser.parse_args()
    if connection.vendor != "postgresql" or not shutil.which("wrk"):
        raise SystemExit("Needs DATABASE_URL on PostgreSQL and wrk (apt-get install wrk).")
    today = clock.today()
    settings.SECRET_KEY = "bench-only-" + os.urandom(24).hex()  # shared with the server (its sessions)
    print(
        body_make(
            members=args.members, cycles_ending=datetime.date.fromisoformat(args.cycles_ending), today=today
        )
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    environment = server_environment(args)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=environment,
        check=True,
    )
    if args.profile:
        subprocess.run([sys.executable, str(BENCH / "dashboard_profile.py")], env=environment, check=True)
    keys = sessions_open(sample_members(args.sessions))
    server = None
    try:
        with tempfile.NamedTemporaryFile("w", suffix=".sessions") as cookies:
            cookies.write("\n".join(keys) + "\n")
            cookies.flush()
            server = gunicorn_start(args, environment)
            warm(args, keys)
            cache = "Redis" if os.environ.get("REDIS_URL") else "local"
            print(
                f"{today}: {len(keys)} members signed in; gunicorn {args.workers} sync workers, "
                f"CONN_MAX_AGE={args.conn_max_age}, cache {cache}; "
                f"wrk {args.clients} connections, {args.seconds} s a phase"
            )
            ratios = run_rounds(args, Path(cookies.name))
        print(
            f"p95 ratio, median of {len(ratios)} rounds: x{statistics.median(ratios):.2f} (goal: at most x2)"
        )
    finally:
        if server:
            gunicorn_stop(server)
        sessions_close(keys)
        call_command("clearsessions")


if __name__ == "__main__":
    main()

"""Where a member dashboard's time goes, in one process, through the whole middleware stack (Django's test
client, the same handler and middleware as gunicorn's): the new database connection, the SQL (count and
time, split into the middleware's and the view's), the template rendering, the rest of the view, and the
rest (middleware and handler). The health page is measured the same way beside it.

Run it with the server's settings (DEBUG off, ...): bench/dashboard_load.py --profile does (its
`server_environment`). `--cprofile N` then prints the N costliest functions of the dashboard (cumulative).
"""

import argparse
import cProfile
import pstats
import statistics
import time
from contextlib import contextmanager

import _setup  # noqa: F401
from dashboard_body import sample_members, sessions_close, sessions_open
from django.conf import settings
from django.db import connection
from django.test import Client

import amtportal.views

PHASE = ["middleware"]
WALL: dict[str, float] = {}  # seconds by phase (the instrumented view's and render's), over the timed passes


class SqlClock:
    """Every query's count and wall time (round trip included), by the phase it ran in."""

    def __init__(self):
        self.queries: dict[str, int] = {}
        self.seconds: dict[str, float] = {}

    def __call__(self, execute, sql, params, many, context):
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            phase = PHASE[-1]
            self.queries[phase] = self.queries.get(phase, 0) + 1
            self.seconds[phase] = self.seconds.get(phase, 0.0) + time.perf_counter() - began


@contextmanager
def phase(name: str, clock: dict[str, float]):
    PHASE.append(name)
    began = time.perf_counter()
    try:
        yield
    finally:
        clock[name] = clock.get(name, 0.0) + time.perf_counter() - began
        PHASE.pop()


def instrument(wall: dict[str, float]):
    """Wrap the dashboard view and its render call (module attributes, looked up at call time)."""
    view, render = amtportal.views._dashboard, amtportal.views.render

    def timed_view(request):
        with phase("view", wall):
            return view(request)

    def timed_render(*args, **kwargs):
        with phase("template", wall):
            return render(*args, **kwargs)

    amtportal.views._dashboard, amtportal.views.render = timed_view, timed_render


def connect_ms(repeat: int = 20) -> float:
    times = []
    for _ in range(repeat):
        connection.close()
        began = time.perf_counter()
        connection.ensure_connection()
        times.append(time.perf_counter() - began)
    connection.close()
    return statistics.median(times) * 1000


def measure(client: Client, path: str, cookies: list[str | None], passes: int):
    """Median and mean ms of the whole request, and per request (mean): wall time and SQL by phase."""
    totals, wall, sql = [], WALL, SqlClock()
    for cookie in cookies:  # warm-up pass (templates compiled, per-process caches filled)
        _get(client, path, cookie)
    wall.clear()
    with connection.execute_wrapper(sql):
        for _ in range(passes):
            for cookie in cookies:
                began = time.perf_counter()
                _get(client, path, cookie)
                totals.append(time.perf_counter() - began)
    count = len(totals)
    median, mean = statistics.median(totals) * 1000, statistics.fmean(totals) * 1000
    return median, mean, {k: v * 1000 / count for k, v in wall.items()}, sql, count


def _get(client: Client, path: str, cookie: str | None):
    client.cookies.clear()
    if cookie:
        client.cookies[settings.SESSION_COOKIE_NAME] = cookie
    response = client.get(path, headers={"x-forwarded-proto": "https"})
    assert response.status_code == 200, (path, response.status_code)
    return response


def report(label: str, median_ms: float, mean_ms: float, wall: dict, sql: SqlClock, count: int) -> None:
    print(f"{label}: median {median_ms:.2f} ms, mean {mean_ms:.2f} ms a request ({count} requests)")
    for name in ("middleware", "view", "template"):
        if name in sql.queries or name in wall:
            queries = sql.queries.get(name, 0) / count
            seconds = sql.seconds.get(name, 0.0) * 1000 / count
            print(f"  {name:<10} SQL {queries:5.1f} queries {seconds:6.2f} ms", end="")
            print(f"   wall {wall[name]:6.2f} ms (inner phases included)" if name in wall else "")
    if "view" in wall:
        view_python = wall["view"] - sql.seconds.get("view", 0.0) * 1000 / count - wall["template"]
        rest = mean_ms - wall["view"] - sql.seconds.get("middleware", 0.0) * 1000 / count
        print(f"  the view's Python besides its SQL and the template: {view_python:.2f} ms")
        print(f"  the rest (middleware, handler, test client) besides its SQL: {rest:.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=200, help="Distinct members (sessions) read.")
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--cprofile", type=int, default=0, metavar="N")
    args = parser.parse_args()
    print(
        f"DEBUG={settings.DEBUG}, CONN_MAX_AGE={settings.DATABASES['default']['CONN_MAX_AGE']}, "
        f"cache={settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}, "
        f"sessions={settings.SESSION_ENGINE}"
    )
    print(f"new PostgreSQL connection: {connect_ms():.2f} ms (median of 20)")
    keys = sessions_open(sample_members(args.members))
    try:
        client = Client(SERVER_NAME="127.0.0.1")
        report("health page", *measure(client, "/health/", [None] * len(keys), args.passes))
        instrument(WALL)
        report("dashboard", *measure(client, "/", keys, args.passes))
        if args.cprofile:
            profiler = cProfile.Profile()
            profiler.enable()
            for key in keys:
                _get(client, "/", key)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.cprofile)
    finally:
        sessions_close(keys)


if __name__ == "__main__":
    main()

"""Make `bench/*.py` runnable as scripts from the repository root with the project's settings, and the
timing helpers they share."""

import cProfile
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "amtportal.settings")

import django  # noqa: E402

django.setup()


def timed(function):
    """(seconds, result) of function()."""
    began = time.perf_counter()
    result = function()
    return time.perf_counter() - began, result


def timed_profiled(function, *, profile: bool):
    """(seconds, result, profiler) of function(), under cProfile when `profile` (else profiler is None)."""
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    try:
        seconds, result = timed(function)
    finally:
        if profiler:
            profiler.disable()
    return seconds, result, profiler


class Rollback(Exception):
    pass


def rolled_back(function, *, commit: bool = False):
    """function() inside a transaction that is rolled back unless `commit` (the data stays as it was)."""
    from django.db import transaction

    result = None
    try:
        with transaction.atomic():
            result = function()
            if not commit:
                raise Rollback
    except Rollback:
        pass
    return result


def best(function, repeat: int) -> float:
    """The shortest of `repeat` timed calls."""
    return min(timed(function)[0] for _ in range(repeat))


def page_against_statements(page, repeat: int) -> dict:
    """A page (a callable answering it) timed, best of `repeat`, beside every SQL statement it ran, each run
    alone (best of `repeat`): the slowest one, their sum, how many, and the slowest one's text."""
    from django.db import connection  # noqa: PLC0415 - after django.setup()
    from django.test.utils import CaptureQueriesContext  # noqa: PLC0415

    with CaptureQueriesContext(connection) as captured:
        page()

    def alone(sql):
        def run():
            with connection.cursor() as cursor:
                cursor.execute(sql)
                cursor.fetchall()

        return run

    statements = sorted(
        ((best(alone(q["sql"]), repeat), q["sql"]) for q in captured.captured_queries), reverse=True
    )
    return {
        "page": best(page, repeat),
        "slowest": statements[0][0] if statements else 0.0,
        "sum": sum(seconds for seconds, _sql in statements),
        "queries": len(statements),
        "sql": statements[0][1] if statements else "",
    }

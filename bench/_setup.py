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

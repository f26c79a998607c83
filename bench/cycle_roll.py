"""The daily cycle roll over every open cycle that ended, beside one SQL UPDATE closing the same rows.

Set up with `generate.py --open-cycles-ending DAY` and run with `--date` after DAY. Statuses are filled
first (untimed) if the status job has not run yet. Both the baseline and the roll run inside a transaction
that is rolled back, so the data stays and the benchmark can be run again (--commit keeps the roll).
"""

import argparse
import datetime
import pstats
import time

from _setup import rolled_back, timed, timed_profiled
from django.db import connection

from ccp.models import Cycle
from ccp.services.cycles import cycles_roll
from members import services as member_services
from members.models import Certification, StatusChange
from members.services import certifications_refresh_statuses

SPENT = {"members": 0.0}


def time_the_status_part() -> None:
    """Measure apart the time the roll spends in the members app (the CCP outcomes and the statuses)."""
    record = member_services.certifications_record_ccp_outcomes

    def timed_record(**kwargs):
        began = time.perf_counter()
        try:
            return record(**kwargs)
        finally:
            SPENT["members"] += time.perf_counter() - began

    member_services.certifications_record_ccp_outcomes = timed_record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--date", default="2026-11-24")
    parser.add_argument("--chunk-size", type=int, default=500)
    parser.add_argument("--commit", action="store_true", help="Keep what the roll did.")
    parser.add_argument("--profile", type=int, metavar="N", help="Print the N costliest functions.")
    args = parser.parse_args()
    day = datetime.date.fromisoformat(args.date)
    if Certification.objects.filter(status="").exists():
        certifications_refresh_statuses(today=day, source="bench setup")
    with connection.cursor() as cursor:  # rolled-back runs leave dead rows behind: start from clean tables
        cursor.execute("VACUUM ANALYZE ccp_cycle, ccp_activity, members_certification, members_statuschange")
    ended = Cycle.objects.filter(state=Cycle.State.OPEN, end_on__lt=day)
    rows, history = ended.count(), StatusChange.objects.count()

    def baseline():
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE ccp_cycle SET state = 'compliant', closed_on = %s "
                "WHERE state = 'open' AND end_on < %s",
                [day, day],
            )
            return cursor.rowcount

    def roll_and_rerun():
        time_the_status_part()
        seconds, report, profiler = timed_profiled(
            lambda: cycles_roll(today=day, chunk_size=args.chunk_size), profile=bool(args.profile)
        )
        changes = StatusChange.objects.count() - history
        still_open = Cycle.objects.filter(state=Cycle.State.OPEN).count()
        rerun_seconds, rerun = timed(lambda: cycles_roll(today=day, chunk_size=args.chunk_size))
        return seconds, report, changes, still_open, rerun_seconds, rerun, profiler

    base_seconds, updated = rolled_back(lambda: timed(baseline))
    seconds, report, changes, still_open, rerun_seconds, rerun, profiler = rolled_back(
        roll_and_rerun, commit=args.commit
    )
    print(f"open cycles ended before {day}: {rows}; chunk size {args.chunk_size}")
    print(f"baseline, one SQL UPDATE ({updated} rows): {base_seconds:8.2f}s")
    print(f"roll ({report}; {changes} status changes; {still_open} cycles open after):", end=" ")
    print(f"{seconds:8.2f}s x{seconds / base_seconds:.1f}")
    print(f"  of which members.services.certifications_record_ccp_outcomes: {SPENT['members']:8.2f}s")
    print(f"rerun the same day ({rerun}): {rerun_seconds:8.2f}s")
    print("kept (--commit)" if args.commit else "all rolled back: the data is unchanged")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.profile)


if __name__ == "__main__":
    main()

"""The daily status job over every certification, beside one SQL UPDATE touching the same rows.

The first refresh after generation writes every status (and a history row each); the second is the
steady state of a nightly run, where almost nothing changes.
"""

import argparse
import datetime

from _setup import timed
from django.db import connection

from members.models import Certification, StatusChange
from members.services import certifications_refresh_statuses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--date", default="2026-11-24")
    parser.add_argument("--chunk-size", type=int, default=1000)
    args = parser.parse_args()
    day = datetime.date.fromisoformat(args.date)
    rows = Certification.objects.count()

    def baseline():
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE members_certification SET status = status, status_reason = status_reason, "
                "lapse_date = lapse_date, active_through = active_through"
            )
            return cursor.rowcount

    def refresh():
        return certifications_refresh_statuses(today=day, chunk_size=args.chunk_size, source="bench")

    base_seconds, _ = timed(baseline)
    first_seconds, first_changed = timed(refresh)
    second_seconds, second_changed = timed(refresh)
    print(f"certifications: {rows}; history rows: {StatusChange.objects.count()}")
    print(f"baseline, one SQL UPDATE: {base_seconds:8.2f}s")
    for label, seconds, changed in (
        ("first", first_seconds, first_changed),
        ("rerun", second_seconds, second_changed),
    ):
        print(f"refresh {label} ({changed} changed): {seconds:8.2f}s x{seconds / base_seconds:.1f}")


if __name__ == "__main__":
    main()

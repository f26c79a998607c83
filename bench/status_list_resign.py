"""Re-signing the status lists over 1,000,000 certification events after one change, on PostgreSQL.

Events are filled set-based (untimed) until there are `--events` Badge rows: the current event of each
generated certification (run `generate.py --certifications 1000000` and `status_refresh.py` first, so the
statuses are derived), in a random order (seeded) so that the set bits are spread like real ones, with
`--ended` of them (default 3%) ended. The revocation list then has those bits set, the suspension list those
and every not-Active certification's event. The timed part is what a change costs: one event ends,
`status_lists_refresh()` reads the set bits in SQL, builds and compresses the bitstrings, re-signs the
list(s) whose digest changed and stores them. A refresh with nothing changed is timed too (the nightly steady
state). Both run in a transaction rolled back unless `--commit`.
"""

import argparse
import datetime

from _setup import rolled_back, timed
from django.db import connection

from recert.credentials import status_lists
from recert.models import Badge, StatusList


def fill(events: int, ended: float) -> None:
    """Badge rows up to `events` (bench data only: straight SQL, like the generator)."""
    missing = events - Badge.objects.count()
    if missing <= 0:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.42)")
        cursor.execute(
            """
            INSERT INTO recert_badge (certification_id, anchor_date, state, credly_id, attempts, last_error,
                                      ended_on, end_reason, created_at, updated_at)
            SELECT id, anchor_date, CASE WHEN is_ended THEN 'revoked' ELSE 'issued' END, '', 0, '',
                   CASE WHEN is_ended THEN DATE '2026-11-01' END,
                   CASE WHEN is_ended THEN 'Ended (bench).' ELSE '' END, now(), now()
            FROM (SELECT id, anchor_date, random() < %(ended)s AS is_ended
                  FROM (SELECT c.id, COALESCE(c.reinstated_on, c.certified_on) AS anchor_date
                        FROM members_certification c ORDER BY random() LIMIT %(missing)s) AS shuffled
                 ) AS events
            ON CONFLICT DO NOTHING
            """,
            {"ended": ended, "missing": missing},
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--ended", type=float, default=0.03)
    parser.add_argument("--commit", action="store_true")
    args = parser.parse_args()
    fill(args.events, args.ended)
    events = Badge.objects.count()
    fill_seconds, _ = timed(status_lists.status_lists_refresh)  # the lists as they stand (untimed below)

    def change_then_refresh():
        current = Badge.objects.filter(ended_on__isnull=True).order_by("pk").first()
        Badge.objects.filter(pk=current.pk).update(ended_on=datetime.date(2026, 11, 29), end_reason="bench")
        seconds, signed = timed(status_lists.status_lists_refresh)
        steady, unchanged = timed(status_lists.status_lists_refresh)
        return seconds, signed, steady, unchanged

    seconds, signed, steady, unchanged = rolled_back(change_then_refresh, commit=args.commit)
    print(f"events: {events:,}; first signing of the lists: {fill_seconds:.2f}s")
    print(f"one event ended, refresh: {seconds:.2f}s ({signed} list(s) re-signed)")
    print(f"nothing changed, refresh: {steady:.2f}s ({unchanged} re-signed)")
    for row in StatusList.objects.order_by("purpose"):
        token = row.credential_jwt
        encoded = token.split(".")[1]
        print(
            f"{row.purpose:>10}: {row.length:,} entries, {row.set_bits:,} set; JWT {len(token):,} bytes "
            f"(payload {len(encoded):,} base64url chars); bitstring {row.length // 8:,} bytes uncompressed, "
            f"{_compressed_bytes(token):,} gzip bytes"
        )


def _compressed_bytes(token: str) -> int:
    import base64
    import json

    payload = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    encoded = payload["vc"]["credentialSubject"]["encodedList"][1:]
    return len(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))


if __name__ == "__main__":
    main()

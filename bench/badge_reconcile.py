"""The daily badge reconcile over 1,000,000 certifications with nothing to do, beside one SQL count(*)
with the same filter (the Active certifications whose current event is missing), on PostgreSQL.

Statuses and events are filled set-based (untimed, bench data only) into the state a night with nothing to
do leaves: every Active or Lapsed certification's current event issued, every Non-compliant, Must
recertify or Exam required one's ended and revoked, and one reinstated certification in twenty with its
original event ended too. Statuses come from the real daily job when it has run (`--real-statuses` runs it,
slow), else a spread by id. The reconcile then must find nothing by state: it runs in a transaction rolled
back (it writes nothing anyway) and queues no task.
"""

import argparse
import datetime
import statistics

from _setup import rolled_back, timed
from django.db import connection

from members.models import Certification
from members.services import certifications_refresh_statuses
from recert.models import Badge
from recert.services import badges_reconcile

# The filter of the reconcile's first step, as one count.
BASELINE = """
SELECT count(*) FROM members_certification c
WHERE c.status = 'active' AND NOT EXISTS (
    SELECT 1 FROM recert_badge b
    WHERE b.certification_id = c.id AND b.anchor_date = COALESCE(c.reinstated_on, c.certified_on))
"""


def fill_certifications(target: int) -> None:
    """Certifications up to `target` (bench data only): the generated members' other credentials, with
    dates spread over 30 years, when the generator made fewer (it writes about 30,000 a minute here)."""
    missing = target - Certification.objects.count()
    if missing <= 0:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO members_certification (member_id, credential_id, certified_on, paid_through,
                   status, status_reason, verification_token, created_at)
               SELECT m.id, cr.id, DATE '1996-01-01' + ((m.id * 7919 + cr.id * 104729) %% 11000)::int,
                      DATE '2026-04-30', '', '', md5(m.id::text || '-' || cr.id::text), now()
               FROM members_member m CROSS JOIN members_credential cr
               WHERE NOT EXISTS (SELECT 1 FROM members_certification c
                                 WHERE c.member_id = m.id AND c.credential_id = cr.id)
               ORDER BY m.id, cr.id
               LIMIT %s""",
            [missing],
        )


def fill_statuses(day: datetime.date, *, real: bool) -> None:
    if not Certification.objects.filter(status="").exists():
        return
    if real:
        certifications_refresh_statuses(today=day, source="bench")
        return
    with connection.cursor() as cursor:  # 75% Active, 12% Lapsed, 6% / 4% / 3% ended for good
        cursor.execute(
            """UPDATE members_certification SET status = CASE
                 WHEN id % 100 < 75 THEN 'active' WHEN id % 100 < 87 THEN 'lapsed'
                 WHEN id % 100 < 93 THEN 'noncompliant' WHEN id % 100 < 97 THEN 'must_recertify'
                 ELSE 'exam_required' END
               WHERE status = ''"""
        )


def fill_events() -> None:
    """Each certification's events as a night with nothing to do leaves them."""
    if Badge.objects.exists():
        return
    with connection.cursor() as cursor:
        # one in twenty reinstated (400 days after it was first certified): its original event ended
        cursor.execute(
            """UPDATE members_certification SET reinstated_on = certified_on + 400
               WHERE id % 20 = 0 AND reinstated_on IS NULL"""
        )
        cursor.execute(
            """INSERT INTO recert_badge (certification_id, anchor_date, state, credly_id, attempts,
                   last_error, ended_on, end_reason, revoked_at, created_at, updated_at)
               SELECT id, certified_on, 'revoked', 'orig-' || id, 1, '', certified_on + 400,
                      'Reinstated under a new anchor date.', now(), now(), now()
               FROM members_certification WHERE reinstated_on IS NOT NULL"""
        )
        cursor.execute(
            """INSERT INTO recert_badge (certification_id, anchor_date, state, credly_id, attempts,
                   last_error, ended_on, end_reason, revoked_at, created_at, updated_at)
               SELECT id, COALESCE(reinstated_on, certified_on),
                      CASE WHEN status IN ('active', 'lapsed') THEN 'issued' ELSE 'revoked' END,
                      'cur-' || id, 1, '',
                      CASE WHEN status IN ('active', 'lapsed') THEN NULL ELSE DATE '2026-01-01' END,
                      CASE WHEN status IN ('active', 'lapsed') THEN '' ELSE 'Ended (bench).' END,
                      CASE WHEN status IN ('active', 'lapsed') THEN NULL ELSE now() END, now(), now()
               FROM members_certification"""
        )
        cursor.execute("ANALYZE members_certification")
        cursor.execute("ANALYZE recert_badge")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--date", default="2026-11-24")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each; the median is printed")
    parser.add_argument("--certifications", type=int, default=1_000_000, help="topped up to this many")
    parser.add_argument("--real-statuses", action="store_true", help="fill statuses with the daily job")
    args = parser.parse_args()
    day = datetime.date.fromisoformat(args.date)
    fill_certifications(args.certifications)
    fill_statuses(day, real=args.real_statuses)
    fill_events()

    def baseline():
        with connection.cursor() as cursor:
            cursor.execute(BASELINE)
            return cursor.fetchone()[0]

    def reconcile():
        return rolled_back(lambda: badges_reconcile(today=day))

    baseline(), reconcile()  # warm the cache: both read the same pages
    base_runs = [timed(baseline) for _ in range(args.repeat)]
    runs = [timed(reconcile) for _ in range(args.repeat)]
    base = statistics.median(seconds for seconds, _ in base_runs)
    seconds = statistics.median(seconds for seconds, _ in runs)
    print(f"certifications: {Certification.objects.count()}; events: {Badge.objects.count()}")
    print(f"baseline, one SQL count(*) with the same filter ({base_runs[0][1]} rows): {base:8.3f}s")
    print(f"reconcile {runs[0][1]}: {seconds:8.3f}s x{seconds / base:.2f}")


if __name__ == "__main__":
    main()

"""The recertification processors' queue and an application's points summary, as the data grows.

1. The queue's first page, tab Submitted, no filter: `recert.selectors.queue_counts` (the tab counts) and
   `queue_page` (the page's count and its 25 rows), with SMALL applications (default 20,000) and then, in
   the same run, LARGE (default 200,000): times (median of --repeat), their ratio (goal <= 1.3x) and the
   queries of each (CaptureQueriesContext: must be equal).
2. `recert.selectors.application_summary` of a draft by CCP with 20 and then 200 activities in its window,
   each with a document: the queries (must be equal) and the times.

Applications are written with set-based SQL (`INSERT ... SELECT generate_series`), one member and one
certification each; the body keeps its proportions as it grows (per 100: 2 submitted, 1 more asked, 1
authorized, 2 drafts, 1 withdrawn, 5 expired, 60 reinstated, 20 refused, 8 exam failed), so the Submitted tab
holds 2% of them (400, then 4,000). Every rerun first deletes the bench applications beyond the first SMALL
(rows marked route_reason = 'bench'), so the script can be run again on the same database. Use a database of
its own.
"""

import argparse
import datetime
import itertools
import statistics
import time

from _setup import timed
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from ccp.models import Activity, ActivityCategory, ActivityDocument
from members.models import Certification, Credential
from recert import selectors
from recert.models import Application, RecertRule

DAY = datetime.date(2026, 11, 29)
FIRST_NAMES = ["Ana", "Ben", "Chloe", "David", "Emma", "Farah", "Grace", "Hugo", "Ines", "Jamal", "Kim"]
LAST_NAMES = [
    "Garcia", "Smith", "Nguyen", "Johnson", "Brown", "Lopez", "Patel", "Kim", "Williams", "Jones", "Miller",
    "Davis", "Rodriguez", "Martinez", "Hernandez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore",
    "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez",
    "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Hill",
]  # fmt: skip
BENCH = "bench"
STATES = (  # (state, per 100 applications)
    ("submitted", 2), ("more_requested", 1), ("authorized", 1), ("draft", 2), ("withdrawn", 1),
    ("expired", 5), ("reinstated", 60), ("refused", 20), ("exam_failed", 8),
)  # fmt: skip
SNAPSHOT = (
    '{"rule_id": 1, "credential": "RMA", "effective_from": "2000-01-01", "required_points": "30.00", '
    '"window_years": 3, "exam_gate_years": 10, "fee_cents": 7500, "validity_months": 6, '
    '"authorization_days": 90, "applied_on": "2026-05-01", "route_reason": "Lapsed since May 14, 2022: less '
    'than 10 years, so by CCP points or by exam."}'
)


def _sql(statement: str, params=None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def _scalar(statement: str, params=None):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchone()[0]


def _max_id(table: str) -> int:
    return _scalar(f"SELECT coalesce(max(id), 0) FROM {table}")  # noqa: S608 - fixed table names


# --- Data --------------------------------------------------------------------------------------------


OPEN = "'draft', 'submitted', 'more_requested', 'authorized'"


def _state_case() -> str:
    """SQL: the state of application number i (i % 100 through STATES; % doubled for the driver)."""
    branches, upper = [], 0
    for state, share in STATES:
        upper += share
        branches.append(f"WHEN i %% 100 < {upper} THEN '{state}'")
    return "CASE " + " ".join(branches) + " END"


def generate_certifications(count: int) -> None:
    """`count` users, members and Non-compliant certifications (one each), numbered R000000001..."""
    params = {
        "n": count,
        "user_base": _max_id("members_user"),
        "member_base": _max_id("members_member"),
        "cert_base": _max_id("members_certification"),
        "password": make_password("bench-password-1"),
        "credentials": list(Credential.objects.order_by("pk").values_list("pk", flat=True)),
        "first_names": FIRST_NAMES,
        "last_names": LAST_NAMES,
    }
    steps = [
        """INSERT INTO members_user (id, password, is_superuser, first_name, last_name, is_staff, is_active,
               date_joined, email)
           SELECT %(user_base)s + i, %(password)s, false, '', '', false, true, now(),
                  'recert' || (%(user_base)s + i) || '@bench.example.org'
           FROM generate_series(1, %(n)s) AS i""",
        """INSERT INTO members_member (id, member_number, first_name, middle_name, last_name, phone,
               address_line1, address_line2, city, state, postal_code, country, created_at, user_id)
           SELECT %(member_base)s + i, 'R' || lpad((%(member_base)s + i)::text, 9, '0'),
                  (%(first_names)s::text[])[1 + i %% cardinality(%(first_names)s::text[])], '',
                  (%(last_names)s::text[])[1 + (i / 7) %% cardinality(%(last_names)s::text[])], '',
                  '1 Test Road', '', 'Springfield', 'IL', '62701', 'US', now(), %(user_base)s + i
           FROM generate_series(1, %(n)s) AS i""",
        """INSERT INTO members_certification (id, certified_on, reinstated_on, paid_through, ccp_failed_on,
               audit_failed_on, ccp_compliant_through, status, status_reason, lapse_date, active_through,
               verification_token, created_at, credential_id, member_id)
           SELECT %(cert_base)s + i, DATE '2019-05-14', NULL, DATE '2023-05-31', DATE '2022-05-14', NULL,
                  NULL,
                  'noncompliant', 'Non-compliant (CCP): bench data.', DATE '2022-05-14', NULL,
                  'recert-bench-' || (%(cert_base)s + i) || '-' || md5(i::text), now(),
                  (%(credentials)s::bigint[])[1 + (i / 100) %% cardinality(%(credentials)s::bigint[])],
                  %(member_base)s + i
           FROM generate_series(1, %(n)s) AS i""",
    ]
    with transaction.atomic():
        for statement in steps:
            _sql(statement, params)
    for table in ("members_user", "members_member", "members_certification"):
        _sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")


def generate_applications(first: int, last: int) -> int:
    """Applications number `first`..`last` (the i-th bench certification's, in STATES proportions): open
    ones submitted in the last 180 days, the others over the last 10 years."""
    certifications = list(
        Certification.objects.filter(verification_token__startswith="recert-bench-")
        .order_by("pk")
        .values_list("pk", flat=True)[first - 1 : last]
    )
    statement = f"""
        INSERT INTO recert_application (route, state, started_on, lapse_date, route_reason, rules_snapshot,
            applied_on, window_start, window_end, counted_points, felony, felony_date, felony_nature,
            felony_authority, felony_outcome, signed_name, signed_at, eligibility_answers, exam_route,
            exam_route_reason, invoice_number, fee_attempts, submitted_on, expires_on, waiting_since,
            more_rounds, decided_on, decision_reason, authorization_number, authorized_on,
            authorization_expires_on, exam_passed_on, reinstated_on, claimed_at, certification_id,
            claimed_by_id, decided_by_id, rule_id)
        SELECT CASE WHEN s IN ('authorized', 'exam_failed') OR i %% 4 = 0 THEN 'exam' ELSE 'ccp' END, s,
               submitted - 10, DATE '2022-05-14', %(bench)s, %(snapshot)s::jsonb,
               submitted, submitted - 1095, submitted, 30, false, NULL, '', '', '', 'Bench Applicant',
               submitted::timestamptz, '{{}}'::jsonb, '', '', 'RC-BENCH-' || i, 1,
               CASE WHEN s NOT IN ('draft', 'withdrawn') THEN submitted END,
               CASE WHEN s NOT IN ('draft', 'withdrawn') THEN (submitted + interval '6 months')::date END,
               submitted::timestamptz + (i %% 1000) * interval '1 second', 0,
               CASE WHEN s IN ('reinstated', 'refused', 'exam_failed', 'expired') THEN submitted + 30 END,
               CASE WHEN s = 'refused' THEN 'Bench refusal.' ELSE '' END,
               CASE WHEN s IN ('authorized', 'exam_failed') THEN 'BENCH-' || i ELSE '' END,
               NULL, NULL, NULL, CASE WHEN s = 'reinstated' THEN submitted + 30 END, NULL, c.id, NULL, NULL,
               r.id
        FROM (SELECT i, s, certification_id,
                     %(day)s::date - (i * 7919 %% CASE WHEN s IN ({OPEN}) THEN 180 ELSE 3650 END) AS submitted
              FROM (SELECT i, {_state_case()} AS s,
                           (%(certifications)s::bigint[])[i - %(first)s + 1] AS certification_id
                    FROM generate_series(%(first)s, %(last)s) AS i) AS numbered) AS rows
        JOIN members_certification c ON c.id = rows.certification_id
        JOIN recert_recertrule r
          ON r.credential_id = c.credential_id AND r.effective_from = DATE '2000-01-01'"""
    params = {
        "bench": BENCH,
        "snapshot": SNAPSHOT,
        "day": DAY,
        "certifications": certifications,
        "first": first,
        "last": last,
    }
    with transaction.atomic():
        return _sql(statement, params)


def bench_applications() -> int:
    return Application.objects.filter(route_reason=BENCH).count()


def trim_to(count: int) -> None:
    """Keep the first `count` bench applications (by id): a rerun starts from SMALL again."""
    keep = list(
        Application.objects.filter(route_reason=BENCH).order_by("pk").values_list("pk", flat=True)[:count]
    )
    last = keep[-1] if keep else 0
    _sql("DELETE FROM recert_application WHERE route_reason = %s AND id > %s", [BENCH, last])


def vacuum() -> None:
    _sql("VACUUM ANALYZE members_user, members_member, members_certification, recert_application")


# --- The queue ---------------------------------------------------------------------------------------


VARIANTS = {
    "Submitted, no filter": selectors.QueueFilters(),
    "the same, credential RMA": selectors.QueueFilters(credential="RMA"),
    "the same, search 'Garcia'": selectors.QueueFilters(search="Garcia"),
}
CAP = 1000  # --try-bounded-counts: the closed tabs counted up to this, shown as "1,000+"
OPEN_TABS = ("submitted", "more_requested", "authorized")


def first_page(filters: selectors.QueueFilters):
    """What the queue view reads for its first page: the tab counts, the page's count and its rows."""
    counts = selectors.queue_counts(filters, today=DAY)
    page = selectors.queue_page(filters, today=DAY, page=1)
    rows = [(a.certification.member.last_name, a.certification.credential.code) for a in page.object_list]
    return counts, page.paginator.count, rows


def bounded_first_page(filters: selectors.QueueFilters):
    """What it would take (not the portal's code): the open tabs counted exactly over the open states only,
    the closed tabs (history, growing for ever) counted up to CAP."""
    base = selectors._filtered(filters, today=DAY)
    open_only = base.filter(state__in=Application.UNDECIDED_STATES)
    counts = open_only.aggregate(
        **{key: Count("pk", filter=selectors.QUEUE_STATES[key][1]) for key in OPEN_TABS}
    )
    for key in selectors.QUEUE_STATES.keys() - set(OPEN_TABS):
        counts[key] = base.filter(selectors.QUEUE_STATES[key][1]).order_by()[: CAP + 1].count()
    page = selectors.queue_page(filters, today=DAY, page=1)
    rows = [(a.certification.member.last_name, a.certification.credential.code) for a in page.object_list]
    return counts, page.paginator.count, rows


def measure(read, filters: selectors.QueueFilters, repeat: int) -> dict:
    read(filters)  # warm-up (plans, caches)
    times = [timed(lambda: read(filters))[0] for _ in range(repeat)]
    settings.DEBUG = True  # CaptureQueriesContext needs the query log only here
    with CaptureQueriesContext(connection) as queries:
        counts, total, rows = read(filters)
    settings.DEBUG = False
    return {
        "median": statistics.median(times),
        "best": min(times),
        "queries": len(queries.captured_queries),
        "sql": [query["sql"] for query in queries.captured_queries],
        "counts": counts,
        "total": total,
        "rows": len(rows),
    }


def explain(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS OFF, TIMING OFF, SUMMARY ON) " + sql)
        return "\n".join("      " + row[0] for row in cursor.fetchall())


# --- The points summary ------------------------------------------------------------------------------


def summary_application(activities: int) -> Application:
    """A draft by CCP of a new bench certification, with `activities` courses in its window (a document
    each)."""
    certification = (
        Certification.objects.filter(verification_token__startswith="recert-bench-")
        .exclude(recert_applications__isnull=False)
        .exclude(activities__isnull=False)
        .order_by("-pk")
        .first()
    )
    assert certification is not None, "no bench certification left without an application"
    category = ActivityCategory.objects.get(code="professional-education")
    with transaction.atomic():
        made = Activity.objects.bulk_create(
            Activity(certification=certification, category=category, title=f"Course {index}",
                     completed_on=DAY - datetime.timedelta(days=5 * index + 1), quantity=1, helps_job=True)
            for index in range(activities)
        )  # fmt: skip
        ActivityDocument.objects.bulk_create(
            ActivityDocument(activity=activity, file=f"bench/{activity.pk}.pdf", original_name="proof.pdf",
                             content_type="application/pdf", size=1000)
            for activity in made
        )  # fmt: skip
        rule = RecertRule.objects.get(credential_id=certification.credential_id)
        application = Application.objects.create(
            certification=certification, route="ccp", state="draft", started_on=DAY, lapse_date=DAY,
            route_reason="bench summary", rule=rule,
        )  # fmt: skip
    return Application.objects.select_related("certification__credential", "rule").get(pk=application.pk)


def measure_summary(application: Application, repeat: int) -> dict:
    def run():
        return selectors.application_summary(application, today=DAY)

    run()
    times = [timed(run)[0] for _ in range(repeat)]
    settings.DEBUG = True
    with CaptureQueriesContext(connection) as queries:
        summary = run()
    settings.DEBUG = False
    return {
        "median": statistics.median(times),
        "queries": len(queries.captured_queries),
        "activities": len(summary.activities),
        "counted": summary.result.counted,
    }


def drop_summary_applications() -> None:
    for application in Application.objects.filter(route_reason="bench summary"):
        Activity.objects.filter(certification_id=application.certification_id).delete()
        application.delete()


# --- Run ---------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--small", type=int, default=20_000)
    parser.add_argument("--large", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=50, help="Timed runs of each measure (median).")
    parser.add_argument("--explain", action="store_true", help="Print EXPLAIN ANALYZE of each query.")
    parser.add_argument(
        "--try-bounded-counts",
        action="store_true",
        help=f"Also measure the open tabs counted alone and the closed ones up to {CAP} (not the portal's).",
    )
    args = parser.parse_args()
    settings.DEBUG = False
    if Application.objects.exclude(route_reason__in=[BENCH, "bench summary"]).exists():
        raise SystemExit("This database holds applications that are not the bench's: use one of its own.")
    drop_summary_applications()
    have = Certification.objects.filter(verification_token__startswith="recert-bench-").count()
    if have < args.large + 2:
        began = time.perf_counter()
        generate_certifications(args.large + 2 - have)
        made = args.large + 2 - have
        print(f"generated {made} members and certifications in {time.perf_counter() - began:.1f}s")
    trim_to(args.small)
    if bench_applications() < args.small:
        generate_applications(bench_applications() + 1, args.small)
    vacuum()

    reads = {"portal": first_page} | (
        {"bounded counts": bounded_first_page} if args.try_bounded_counts else {}
    )
    results: dict = {}
    for size in (args.small, args.large):
        if bench_applications() < size:
            began = time.perf_counter()
            generate_applications(bench_applications() + 1, size)
            vacuum()
            print(f"generated applications up to {size} in {time.perf_counter() - began:.1f}s", flush=True)
        for (name, read), (label, filters) in itertools.product(reads.items(), VARIANTS.items()):
            result = results[name, label, size] = measure(read, filters, args.repeat)
            if args.explain:
                for sql in result["sql"]:
                    print(f"  {name}, {label}, {size}: {sql[:150]}...\n{explain(sql)}")

    print(f"\nthe queue's first page (median of {args.repeat}; PostgreSQL {connection.pg_version})")
    unequal = False
    for name, label in itertools.product(reads, VARIANTS):
        print(f"{name}: {label}")
        for size in (args.small, args.large):
            result = results[name, label, size]
            counts = ", ".join(f"{key} {value}" for key, value in result["counts"].items())
            print(
                f"  {size:>7} applications: {result['median'] * 1000:7.2f} ms "
                f"(best {result['best'] * 1000:.2f} ms), {result['queries']} queries; tabs: {counts}; "
                f"page {result['rows']} of {result['total']}"
            )
        small, large = results[name, label, args.small], results[name, label, args.large]
        unequal |= small["queries"] != large["queries"]
        print(
            f"  ratio x{large['median'] / small['median']:.2f} (goal <= 1.3); queries equal: "
            f"{small['queries'] == large['queries']}"
        )

    summaries = {count: measure_summary(summary_application(count), args.repeat) for count in (20, 200)}
    print("\napplication_summary of a draft by CCP (each activity with a document)")
    for count, result in summaries.items():
        print(
            f"  {count:>3} activities: {result['median'] * 1000:7.2f} ms, {result['queries']} queries, "
            f"{result['counted']} points counted"
        )
    print(f"  queries equal: {summaries[20]['queries'] == summaries[200]['queries']}; time ratio "
          f"x{summaries[200]['median'] / summaries[20]['median']:.2f} for 10x the activities")  # fmt: skip
    drop_summary_applications()
    if unequal or summaries[20]["queries"] != summaries[200]["queries"]:
        raise SystemExit("the number of queries grows with the data")


if __name__ == "__main__":
    main()

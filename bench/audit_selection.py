"""The annual audit's selection (audits.services.campaign_start) over a year's whole population, beside one
SQL `INSERT ... SELECT ... ORDER BY sha256(...) LIMIT N` choosing the same rows into a scratch table.

The population (default 333,000 certifications: users, members, certifications and two cycles each, the
first closed compliant and rolled during YEAR, the next one open) is written with set-based SQL
(`INSERT ... SELECT generate_series`) unless the database holds it already. No activities: the selection
does not read them (the preparation, a job of its own, does).

Timed REPEAT times (default 3), alternately, each in a transaction that is rolled back so the data stays and
the script can be run again; medians are reported:
  1. baseline: one INSERT ... SELECT of the N certifications with the smallest
     SHA-256(seed || ':' || certification id) into a scratch table (an ordinary table made in the
     transaction: certification, cycle, rank)
  2. campaign_start(year=YEAR, today=DAY, seed=SEED) as on PostgreSQL (audits.services.selection_sql): the
     population's count and digest, the N audits chosen and stored by one INSERT ... SELECT, one "selected"
     event per audit, their cycles marked under audit; then `SET CONSTRAINTS ALL IMMEDIATE`, inside the
     timing, because the deferred foreign keys of the rows written are checked at COMMIT; split by part
  3. the same campaign_start by the rules in Python (the path SQLite takes, and the only one before the
     PostgreSQL path): the population read into Python, audits.rules.select, bulk_create
All three must choose the same certifications in the same order (checked), and campaign_verify must agree.
"""

import argparse
import datetime
import math
import pstats
import statistics
import time
from decimal import Decimal
from functools import partial
from types import SimpleNamespace

from _setup import rolled_back, timed, timed_profiled
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction

import audits.services.campaigns as campaigns
from audits import rules
from audits.models import Audit, AuditCampaign, AuditEvent, AuditPolicy
from audits.services import selection_sql
from ccp.models import Cycle
from members.models import Credential

SPENT: dict[str, float] = {}


# --- Data --------------------------------------------------------------------------------------------


def _sql(statement: str, params=None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def _max_id(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")  # noqa: S608 - fixed table names
        return cursor.fetchone()[0]


def generate(size: int, year: int) -> None:
    """`size` users, members and certifications, first certified during YEAR - 3 (spread over its days), so
    that cycle 0 (three years) closed compliant and rolled into cycle 1 during YEAR."""
    params = {
        "n": size,
        "user_base": _max_id("members_user"),
        "member_base": _max_id("members_member"),
        "cert_base": _max_id("members_certification"),
        "password": make_password("bench-password-1"),
        "first": datetime.date(year - 3, 1, 1),
        "credentials": list(Credential.objects.order_by("pk").values_list("pk", flat=True)),
    }
    steps = [
        (
            "users",
            """INSERT INTO members_user (id, password, is_superuser, first_name, last_name, is_staff,
                   is_active, date_joined, email)
               SELECT %(user_base)s + i, %(password)s, false, '', '', false, true, now(),
                      'audit' || (%(user_base)s + i) || '@bench.example.org'
               FROM generate_series(1, %(n)s) AS i""",
        ),
        (
            "members",
            """INSERT INTO members_member (id, member_number, first_name, middle_name, last_name, phone,
                   address_line1, address_line2, city, state, postal_code, country, created_at, user_id)
               SELECT %(member_base)s + i, 'A' || lpad((%(member_base)s + i)::text, 9, '0'), 'Bench', '',
                      'Audited' || (%(member_base)s + i), '', (i %% 9000 + 1) || ' Test Road', '',
                      'Springfield', 'IL', '62701', 'US', now(), %(user_base)s + i
               FROM generate_series(1, %(n)s) AS i""",
        ),
        (
            # Active, paid through the end of the fee year after the roll; cycle 0 compliant.
            "certifications",
            """INSERT INTO members_certification (id, certified_on, reinstated_on, paid_through,
                   ccp_failed_on, audit_failed_on, ccp_compliant_through, status, status_reason, lapse_date,
                   active_through, verification_token, created_at, credential_id, member_id)
               SELECT %(cert_base)s + i, certified_on, NULL, paid_through, NULL, NULL,
                      (certified_on + interval '3 years')::date - 1, 'active',
                      'In good standing (bench data).', NULL, paid_through,
                      'audit-bench-' || (%(cert_base)s + i) || '-' || md5(i::text), now(),
                      (%(credentials)s::bigint[])[1 + i %% cardinality(%(credentials)s::bigint[])],
                      %(member_base)s + i
               FROM (
                   SELECT i, certified_on,
                          (date_trunc('month', certified_on) + interval '4 years')::date - 1 AS paid_through
                   FROM (SELECT i, %(first)s::date + (i %% 365) AS certified_on
                         FROM generate_series(1, %(n)s) AS i) AS days
               ) AS rows""",
        ),
        (
            "cycles (0 closed compliant, 1 open)",
            """INSERT INTO ccp_cycle (anchor_on, number, start_on, end_on, state, under_audit, closed_on,
                   required_points, counted_points, closing_result, certification_id, audit_result)
               SELECT c.certified_on, n,
                      (c.certified_on + make_interval(years => 3 * n))::date,
                      (c.certified_on + make_interval(years => 3 * n + 3))::date - 1,
                      CASE WHEN n = 0 THEN 'compliant' ELSE 'open' END, false,
                      CASE WHEN n = 0 THEN (c.certified_on + interval '3 years')::date END,
                      CASE WHEN n = 0 THEN cr.ccp_points_required END,
                      CASE WHEN n = 0 THEN cr.ccp_points_required + 2 END,
                      CASE WHEN n = 0 THEN '{"counted": "bench", "by": "points"}'::jsonb END,
                      c.id, ''
               FROM members_certification c
               JOIN members_credential cr ON cr.id = c.credential_id
               CROSS JOIN (VALUES (0), (1)) AS numbers (n)
               WHERE c.id > %(cert_base)s""",
        ),
    ]
    with transaction.atomic():
        for label, statement in steps:
            began = time.perf_counter()
            rows = _sql(statement, params)
            print(f"  {label}: {rows} rows in {time.perf_counter() - began:.1f}s", flush=True)
    for table in ("members_user", "members_member", "members_certification"):
        _sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")


def population_size(year: int) -> int:
    first, last = rules.rolled_in_year(year)
    return Cycle.objects.filter(state=Cycle.State.COMPLIANT, end_on__gte=first, end_on__lte=last).count()


# --- Timing ------------------------------------------------------------------------------------------


def baseline_into_audits(*, year: int, seed: str, n: int, day: datetime.date) -> int:
    """The same statement writing the portal's own audit rows (its table: the same indexes and foreign keys,
    checked before the timer stops), for a campaign row made first: what storing the selection costs the
    database alone, without the portal's population digest and bookkeeping."""
    first, last = rules.rolled_in_year(year)
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO audits_auditcampaign (year, seed, population_count, population_digest,
                   selected_count, started_on, started_at, source)
               VALUES (%(year)s, %(seed)s, 0, '', %(n)s, %(day)s, now(), 'baseline') RETURNING id""",
            {"year": year, "seed": seed, "n": n, "day": day},
        )
        campaign_id = cursor.fetchone()[0]
        cursor.execute(
            """INSERT INTO audits_audit (campaign_id, certification_id, cycle_id, rank, state, selected_on,
                   deadline, deadline_set_on, waiting_since, more_rounds, extension, extension_reason,
                   required_points, passed_by_verified, outcome_reason)
               SELECT %(campaign)s, certification_id, id, row_number() OVER (ORDER BY key), 'selected',
                      %(day)s, %(day)s, %(day)s, now(), 0, '', '', coalesce(required_points, 0), false, ''
               FROM (SELECT certification_id, id, required_points,
                            sha256(convert_to(%(seed)s || ':' || certification_id, 'UTF8')) AS key
                     FROM ccp_cycle
                     WHERE state = 'compliant' AND end_on BETWEEN %(first)s AND %(last)s
                     ORDER BY key
                     LIMIT %(n)s) AS chosen""",
            {"campaign": campaign_id, "seed": seed, "first": first, "last": last, "n": n, "day": day},
        )
        rows = cursor.rowcount
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the deferred foreign keys, as the portal's
        return rows


def baseline(*, year: int, seed: str, n: int) -> list[int]:
    """The N smallest SHA-256(seed:id) of the same rows, in one statement, into a scratch table (an ordinary
    table, WAL-logged like the portal's, made in the transaction that is rolled back)."""
    first, last = rules.rolled_in_year(year)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_selection (certification_id bigint, cycle_id bigint, rank integer)"
        )
        cursor.execute(
            """INSERT INTO bench_selection (certification_id, cycle_id, rank)
               SELECT certification_id, id, row_number() OVER (ORDER BY key)
               FROM (SELECT certification_id, id,
                            sha256(convert_to(%(seed)s || ':' || certification_id, 'UTF8')) AS key
                     FROM ccp_cycle
                     WHERE state = 'compliant' AND end_on BETWEEN %(first)s AND %(last)s
                     ORDER BY key
                     LIMIT %(n)s) AS chosen""",
            {"seed": seed, "first": first, "last": last, "n": n},
        )
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # as the portal's (none here)
        cursor.execute("SELECT certification_id FROM bench_selection ORDER BY rank")
        return [row[0] for row in cursor.fetchall()]


def time_the_parts() -> list:
    """Time apart each step of campaign_start (the PostgreSQL path: audits.services.selection_sql)."""

    def timing(owner, name, label):
        real = getattr(owner, name)

        def timed_call(*args, **kwargs):
            began = time.perf_counter()
            try:
                return real(*args, **kwargs)
            finally:
                SPENT[label] = SPENT.get(label, 0.0) + time.perf_counter() - began

        setattr(owner, name, timed_call)
        return lambda: setattr(owner, name, real)

    return [
        timing(selection_sql, "population_facts", "population count and digest (SQL)"),
        timing(selection_sql, "store_selection", "selection: the N audits, INSERT ... SELECT"),
        timing(campaigns, "population", "population read into Python (SQLite path only)"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--certifications", type=int, default=333_000, help="The population to generate.")
    parser.add_argument("--year", type=int, default=2025, help="The year the population rolled.")
    parser.add_argument("--date", default="2026-01-15", help="The day the campaign starts.")
    parser.add_argument("--rate", default="0.05", help="The sample rate (N = ceil(rate x population)).")
    parser.add_argument("--seed", default="bench-seed")
    parser.add_argument("--repeat", type=int, default=3, help="Time each this many times (medians).")
    parser.add_argument(
        "--profile", type=int, metavar="N", help="Print the N costliest functions (last run)."
    )
    args = parser.parse_args()
    day = datetime.date.fromisoformat(args.date)
    settings.DEBUG = False  # no query log in the database wrapper, as in production
    if AuditCampaign.objects.filter(year=args.year).exists():
        raise SystemExit(f"A {args.year} campaign is stored already: use a database of its own.")
    if population_size(args.year) < args.certifications:
        began = time.perf_counter()
        generate(args.certifications - population_size(args.year), args.year)
        print(f"generated in {time.perf_counter() - began:.1f}s", flush=True)
    _sql("VACUUM ANALYZE members_user, members_member, members_certification, ccp_cycle, audits_audit, "
         "audits_auditevent")  # fmt: skip
    AuditPolicy.objects.filter(pk=1).update(sample_rate=Decimal(args.rate), sample_size=None)
    population = population_size(args.year)
    n = math.ceil(Decimal(args.rate) * population)

    print(f"population rolled in {args.year}: {population} certifications; rate {args.rate}: N = {n}")
    print(f"each timed {args.repeat} times, alternately, each in a transaction rolled back", flush=True)
    base_times, times, parts, rules_times, into_times = [], [], [], [], []
    for run in range(args.repeat):
        _sql(
            "VACUUM ccp_cycle, members_certification, audits_audit, audits_auditevent"
        )  # the last run's dead rows
        base_seconds, expected = rolled_back(
            lambda: timed(lambda: baseline(year=args.year, seed=args.seed, n=n))
        )
        into_seconds, _ = rolled_back(
            lambda: timed(lambda: baseline_into_audits(year=args.year, seed=args.seed, n=n, day=day))
        )
        into_times.append(into_seconds)
        rules_seconds, rules_chosen = rolled_back(partial(start_by_the_rules, args, day))
        SPENT.clear()
        profile = bool(args.profile) and run == args.repeat - 1
        seconds, campaign, chosen, verified, counts, profiler = rolled_back(
            partial(start, args, day, profile=profile)
        )
        base_times.append(base_seconds)
        times.append(seconds)
        parts.append(dict(SPENT))
        rules_times.append(rules_seconds)
        print(
            f"  run {run + 1}: baseline {base_seconds:6.2f}s, campaign_start {seconds:6.2f}s, "
            f"by the rules in Python {rules_seconds:6.2f}s",
            flush=True,
        )
        if not chosen == rules_chosen == expected:
            raise SystemExit("the portal, its Python path and the SQL chose different certifications")
    base, portal = statistics.median(base_times), statistics.median(times)
    print(f"baseline, one INSERT ... SELECT ... ORDER BY sha256 LIMIT N (median): {base:8.2f}s")
    print(
        f"campaign_start ({counts[0]} audits, {counts[1]} events, {counts[2]} cycles marked) (median):",
        end=" ",
    )
    print(f"{portal:8.2f}s x{portal / base:.2f}")
    into = statistics.median(into_times)
    print(
        "the same INSERT ... SELECT into the portal's audit table (its indexes and foreign keys): "
        f"{into:8.2f}s x{into / base:.2f}; campaign_start against it: x{portal / into:.2f}"
    )
    for label in parts[-1]:
        print(f"  of which {label}: {statistics.median(part.get(label, 0.0) for part in parts):8.2f}s")
    by_rules = statistics.median(rules_times)
    print(
        "the same by the rules in Python (the SQLite path, and the only one before the fix) (median):",
        end=" ",
    )
    print(f"{by_rules:8.2f}s x{by_rules / base:.2f}")
    print(f"same certifications in the same order as the SQL: {chosen == expected}")
    print(
        f"campaign_verify: population {verified.population_matches}, selection {verified.selection_matches}"
    )
    print(f"population digest {campaign.population_digest}; all rolled back: the data is unchanged")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.profile)


def start_by_the_rules(args, day: datetime.date):
    """campaign_start as on SQLite (the population read into Python, audits.rules, bulk_create), timed with
    its deferred foreign keys checked; returns (seconds, the certifications chosen in rank order)."""
    real = campaigns.connection
    campaigns.connection = SimpleNamespace(vendor="python")  # the vendor test chooses the path
    try:
        began = time.perf_counter()
        result = campaigns.campaign_start(
            year=args.year, today=day, actor=None, source="bench", seed=args.seed
        )
        _sql("SET CONSTRAINTS ALL IMMEDIATE")
        seconds = time.perf_counter() - began
    finally:
        campaigns.connection = real
    return seconds, list(result.campaign.audits.order_by("rank").values_list("certification_id", flat=True))


def start(args, day: datetime.date, *, profile: bool):
    """campaign_start timed, its deferred foreign keys checked inside the timing (a COMMIT would), then the
    selection read back and re-derived by campaign_verify (untimed)."""
    restore = time_the_parts()

    def run():
        result = campaigns.campaign_start(
            year=args.year, today=day, actor=None, source="bench", seed=args.seed
        )
        began = time.perf_counter()
        _sql("SET CONSTRAINTS ALL IMMEDIATE")
        SPENT["deferred foreign keys checked (paid at COMMIT)"] = time.perf_counter() - began
        return result

    seconds, result, profiler = timed_profiled(run, profile=profile)
    for undo in restore:
        undo()
    SPENT["the rest (policy, the campaign row, reading the cycle ids)"] = seconds - sum(SPENT.values())
    campaign = result.campaign
    chosen = list(campaign.audits.order_by("rank").values_list("certification_id", flat=True))
    verified = campaigns.campaign_verify(campaign=campaign)
    counts = (
        Audit.objects.filter(campaign=campaign).count(),
        AuditEvent.objects.filter(audit__campaign=campaign).count(),
        Cycle.objects.filter(under_audit=True).count(),
    )
    return seconds, campaign, chosen, verified, counts, profiler


if __name__ == "__main__":
    main()

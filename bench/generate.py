"""Data generator: N certifications for N/1.25 members, dates spread so every status occurs.

Rows are written with bulk_create (not the services) because this is test data at volume; the status
fields are then filled by the real daily job, which is what the benchmarks measure.

With --open-cycles-ending DAY every CCP-required certification without an open cycle gets one ending on DAY
(its number is the anchor's cycle containing DAY, so the next cycle a roll opens is the real one), with
0 to --activities-max contact-hour activities inside it and a few attestations: about half are compliant.
"""

import argparse
import datetime
import random
import time

import _setup  # noqa: F401
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ccp.models import Activity, ActivityCategory, Attestation, Cycle
from members import rules
from members.models import Certification, Credential, Member, User

CHUNK = 5000
ATTESTED_SHARE = 0.05  # of the cycles without activities


def generate(certifications: int, seed: int) -> None:
    rng = random.Random(seed)
    credentials = list(Credential.objects.all())
    password = make_password("bench-password-1")
    start = Member.objects.count()
    members_needed = max(1, int(certifications / 1.25))
    today = datetime.date(2026, 11, 24)
    made = 0
    for offset in range(0, members_needed, CHUNK):
        size = min(CHUNK, members_needed - offset)
        with transaction.atomic():
            users = User.objects.bulk_create(
                User(email=f"bench{start + offset + i}@bench.example.org", password=password)
                for i in range(size)
            )
            members = Member.objects.bulk_create(
                Member(
                    user=user,
                    member_number=f"B{start + offset + i:08d}",
                    first_name="Bench",
                    last_name=f"Member{start + offset + i}",
                    address_line1="1 Test Road",
                    city="Springfield",
                    postal_code="62701",
                )
                for i, user in enumerate(users)
            )
            rows = []
            for member in members:
                held = 2 if rng.random() < 0.25 else 1
                for credential in rng.sample(credentials, held):
                    certified_on = today - datetime.timedelta(days=rng.randint(30, 365 * 25))
                    paid_through = rules.initial_paid_through(certified_on)
                    years_paid = rng.randint(0, (today.year - certified_on.year) + 1)
                    paid_through = rules.add_years(paid_through + rules.ONE_DAY, years_paid) - rules.ONE_DAY
                    rows.append(
                        Certification(
                            member=member,
                            credential=credential,
                            certified_on=certified_on,
                            paid_through=paid_through,
                        )
                    )
            Certification.objects.bulk_create(rows[: certifications - made])
            made += min(len(rows), certifications - made)
        if made >= certifications:
            break


def _cycle_rows(certification: dict, end_on: datetime.date) -> Cycle | None:
    anchor = certification["reinstated_on"] or certification["certified_on"]
    if anchor >= end_on:
        return None
    bounds = rules.cycle_containing(anchor, end_on)
    assert bounds is not None
    return Cycle(
        certification_id=certification["pk"],
        anchor_on=anchor,
        number=bounds.number,
        start_on=max(anchor, rules.add_years(end_on + rules.ONE_DAY, -rules.CYCLE_YEARS)),
        end_on=end_on,
    )


def _activities(rng: random.Random, cycle: Cycle, category: ActivityCategory, most: int) -> list[Activity]:
    days = (cycle.end_on - cycle.start_on).days
    return [
        Activity(
            certification_id=cycle.certification_id,
            category=category,
            title=f"Bench course {n}",
            completed_on=cycle.start_on + datetime.timedelta(days=rng.randint(0, days)),
            quantity=rng.randint(4, 16),
            helps_job=True,
        )
        for n in range(rng.randint(0, most))
    ]


def generate_cycles(end_on: datetime.date, *, seed: int, activities_max: int) -> int:
    """An open cycle ending on `end_on` for every CCP-required certification that has none."""
    rng = random.Random(seed)
    category = ActivityCategory.objects.get(code="professional-education")
    certifications = (
        Certification.objects.filter(
            Q(certified_on__gte=rules.CCP_ORIGINAL_CUTOFF) | Q(reinstated_on__gte=rules.CCP_REINSTATED_CUTOFF)
        )
        .exclude(cycles__state=Cycle.State.OPEN)
        .order_by("pk")
        .values("pk", "certified_on", "reinstated_on", "member__user_id", "member__first_name")
    )
    rows = list(certifications)
    made = 0
    for offset in range(0, len(rows), CHUNK):
        chunk = rows[offset : offset + CHUNK]
        with transaction.atomic():
            cycles = Cycle.objects.bulk_create(
                cycle for cycle in (_cycle_rows(row, end_on) for row in chunk) if cycle is not None
            )
            users = {row["pk"]: row for row in chunk}
            activities, attestations = [], []
            for cycle in cycles:
                claimed = _activities(rng, cycle, category, activities_max)
                activities += claimed
                if not claimed and rng.random() < ATTESTED_SHARE:
                    row = users[cycle.certification_id]
                    attestations.append(
                        Attestation(
                            cycle=cycle,
                            signed_name=f"{row['member__first_name']} Bench",
                            statement="I attest that I earned the required CCP points (bench data).",
                            signed_on=end_on - datetime.timedelta(days=30),
                            signed_at=timezone.now(),
                            signed_by_id=row["member__user_id"],
                        )
                    )
            Activity.objects.bulk_create(activities)
            Attestation.objects.bulk_create(attestations)
            made += len(cycles)
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--certifications", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--open-cycles-ending",
        metavar="YYYY-MM-DD",
        help="Then give CCP-required certifications open cycles.",
    )
    parser.add_argument("--activities-max", type=int, default=6, help="Activities per open cycle: 0 to this.")
    args = parser.parse_args()
    began = time.perf_counter()
    if args.certifications:
        generate(args.certifications, args.seed)
    if args.open_cycles_ending:
        end_on = datetime.date.fromisoformat(args.open_cycles_ending)
        generate_cycles(end_on, seed=args.seed, activities_max=args.activities_max)
    print(
        f"generated in {time.perf_counter() - began:.1f}s: {Member.objects.count()} members, "
        f"{Certification.objects.count()} certifications, "
        f"{Cycle.objects.filter(state=Cycle.State.OPEN).count()} open cycles, "
        f"{Activity.objects.count()} activities, {Attestation.objects.count()} attestations"
    )


if __name__ == "__main__":
    main()

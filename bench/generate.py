"""Data generator: N certifications for N/1.25 members, dates spread so every status occurs.

Rows are written with bulk_create (not the services) because this is test data at volume; the status
fields are then filled by the real daily job, which is what the benchmarks measure.
"""

import argparse
import datetime
import random
import time

import _setup  # noqa: F401
from django.contrib.auth.hashers import make_password
from django.db import transaction

from members import rules
from members.models import Certification, Credential, Member, User

CHUNK = 5000


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--certifications", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    began = time.perf_counter()
    generate(args.certifications, args.seed)
    print(
        f"generated in {time.perf_counter() - began:.1f}s: {Member.objects.count()} members, "
        f"{Certification.objects.count()} certifications"
    )


if __name__ == "__main__":
    main()

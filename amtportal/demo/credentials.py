"""The verifiable-credential part of the demo, through the recert services: a member whose fee later lapsed
downloads the credential while still Active (a step of the replay, on its date), the status lists are
signed as the demo's history left them, and an Active member's credential is written too. Both files go to
var/demo-credentials/, for `manage.py verify_credential`: the first is rejected (suspended: lapsed), the
second accepted."""

import dataclasses
import datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from amtportal.demo.plan import CertPlan, Step
from members.models import Certification, Member
from members.rules import Status
from recert.credentials.status_lists import status_lists_refresh
from recert.services.credentials import credential_download


def folder() -> Path:
    """var/demo-credentials/ (the test settings point DEMO_CREDENTIALS_DIR elsewhere)."""
    return Path(
        getattr(settings, "DEMO_CREDENTIALS_DIR", Path(settings.BASE_DIR) / "var" / "demo-credentials")
    )


def with_download(plan: CertPlan, *, on: datetime.date) -> CertPlan:
    """`plan` with its member downloading the credential on `on` (while Active)."""
    steps = sorted([*plan.steps, Step(on=on, action="credential")], key=lambda step: step.on)
    return dataclasses.replace(plan, steps=steps)


def _noon(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


def _write(certification: Certification, *, now: datetime.datetime, name: str) -> Path:
    downloaded = credential_download(certification=certification, now=now)
    folder().mkdir(parents=True, exist_ok=True)
    path = folder() / f"{certification.member.member_number}-{name}.jwt"
    path.write_text(downloaded.token)
    return path


def download(member: Member, certification: Certification, step: Step) -> Certification:
    """The replay's step: the member downloads the credential that day (it lapses later)."""
    _write(certification, now=_noon(step.on), name="lapsed")
    return Certification.objects.get(pk=certification.pk)


def seed(*, now: datetime.datetime, member_numbers: list[str]) -> None:
    """Sign the status lists as the demo left them, and write an Active member's credential (once)."""
    status_lists_refresh()
    if any(folder().glob("*-active.jwt")):
        return
    active = (
        Certification.objects.filter(member__member_number__in=member_numbers, status=Status.ACTIVE)
        .select_related("member__user", "credential")
        .order_by("member__member_number", "credential__code")
        .first()
    )
    if active is not None:
        _write(active, now=now, name="active")


def summary() -> list[str]:
    lines = []
    for path in sorted(folder().glob("*.jwt")):
        number, _, kind = path.stem.rpartition("-")
        member = Member.objects.filter(member_number=number).select_related("user").first()
        login = member.user.email if member else "?"
        expected = "accepted" if kind == "active" else "rejected: suspended (lapsed)"
        lines.append(f"{path}  ({login}; verify_credential: {expected})")
    return lines

"""Handing a member the Open Badges 3.0 credential of an Active certification's current event: one
IssuedCredential row per download, the JWT signed with the portal's key."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from members.models import Certification
from members.rules import Status
from recert.credentials import building, status_lists
from recert.models import Badge, IssuedCredential
from recert.services.badges import badge_record


@dataclass(frozen=True)
class DownloadedCredential:
    issued: IssuedCredential
    token: str

    @property
    def filename(self) -> str:
        certification = self.issued.badge.certification
        return f"{certification.member.member_number}-{certification.credential.code}-credential.jwt"


VALID_FOR = datetime.timedelta(days=365)


def valid_until(issued_at: datetime.datetime) -> datetime.datetime:
    """A year after the download. Lapse and revocation reach a verifier through the status list (a lapsed
    credential is suspended, and valid again when the certification is Active again on the same event); the
    year bounds how long anyone must rely on the portal still publishing that list. Tying it to the
    active-through date instead would make a fee lapse look like a plain expiry and a paid fee unable to
    bring the credential back."""
    return issued_at + VALID_FOR


def credential_download(*, certification: Certification, now: datetime.datetime) -> DownloadedCredential:
    """The credential of `certification`'s current event; a certification that is not Active gets none, with
    the reason. The event's row is recorded through `badge_record` when the nightly job has not yet."""
    if certification.status != Status.ACTIVE:
        label = Status(certification.status).label if certification.status else "not yet derived"
        raise ValidationError(
            f"Your {certification.credential.code} certification is {label}: a verifiable credential is "
            "offered for Active certifications only."
        )
    with transaction.atomic():
        badge = _current_event(certification, now)
        issued_at = now.replace(microsecond=0)
        issued = IssuedCredential.objects.create(
            badge=badge, issued_at=issued_at, valid_until=valid_until(issued_at)
        )
        status_lists.ensure_covers(badge.pk)
        token = building.credential_jwt(_facts(issued, certification))
    return DownloadedCredential(issued=issued, token=token)


def _current_event(certification: Certification, now: datetime.datetime) -> Badge:
    badge = Badge.objects.filter(certification=certification, anchor_date=certification.anchor_date).first()
    if badge is None:
        badge = badge_record(certification=certification, today=timezone.localdate(now), source="credential")
    if badge is None or badge.ended_on is not None:
        raise ValidationError("This certification event has ended: no credential can be issued for it.")
    return badge


def _facts(issued: IssuedCredential, certification: Certification) -> building.CredentialFacts:
    member, credential = certification.member, certification.credential
    return building.CredentialFacts(
        credential_id=issued.id,
        member_name=member.full_name,
        member_number=member.member_number,
        credential_code=credential.code,
        credential_name=credential.name,
        certified_since=certification.certified_on,
        event_index=issued.badge_id,
        verification_path=certification.get_verification_url(),
        issued_at=issued.issued_at,
        valid_until=issued.valid_until or valid_until(issued.issued_at),
    )

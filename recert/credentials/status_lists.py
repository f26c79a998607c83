"""Revocation and lapse, published as W3C Bitstring Status Lists (v1.0) the portal signs and serves.

Each certification event (a Badge row) has one index in every list: its primary key. Two lists:

- "revocation": the bit is set once the event has ended for good (Badge.ended_on, or the certification was
  reinstated under a newer anchor). Never cleared.
- "suspension": the bit is set while the event cannot be relied on: ended (as above, never cleared) or its
  certification not Active (Lapsed (fees) ...); cleared when the certification is Active again on the same
  event. The 1EdTech OB 3.0 AchievementCredential schema accepts one `credentialStatus` object, so a
  credential carries this entry only (it fails for both causes); the revocation list tells a verifier which
  of the two it is.

The set bits are selected in SQL (only the ids whose bit is set travel), the list is re-signed only when its
bitstring's digest changed, and the row is locked while the bits are read and written, so two refreshes at
once never publish an older list over a newer one.
"""

import base64
import gzip
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.db.models.functions import Coalesce
from django.urls import reverse

from core import clock
from core.formatting import format_date
from core.links import absolute_url
from members.rules import Status
from recert.credentials import keys
from recert.models import Badge, StatusList

# The W3C minimum (16 KB uncompressed) keeps a list from revealing how few credentials exist; lists grow in
# steps of the same size as events are added.
MIN_LENGTH = 131_072
PURPOSES = (StatusList.Purpose.REVOCATION, StatusList.Purpose.SUSPENSION)


@dataclass(frozen=True)
class CredentialStatus:
    """What a certification event's credential says today, in words: "valid", "suspended" or "revoked"."""

    label: str
    reason: str

    @property
    def is_valid(self) -> bool:
        return self.label == "valid"


def event_status(
    *,
    ended_on,
    end_reason: str,
    anchor_date,
    current_anchor,
    certification_status: str,
) -> CredentialStatus:
    """The rule both the bits (`revoked_events`, `suspended_events`) and the pages follow."""
    if ended_on is not None:
        why = f": {end_reason}" if end_reason else ""
        ended = format_date(ended_on)
        return CredentialStatus("revoked", f"Revoked: the certification event ended on {ended}{why}.")
    if anchor_date != current_anchor:
        return CredentialStatus(
            "revoked", f"Revoked: replaced by the reinstatement of {format_date(current_anchor)}."
        )
    if certification_status != Status.ACTIVE:
        label = Status(certification_status).label if certification_status else "not yet derived"
        return CredentialStatus(
            "suspended", f"Suspended while the certification is {label}; valid again once it is Active."
        )
    return CredentialStatus("valid", "Valid: the certification is Active.")


def credential_status(badge: Badge) -> CredentialStatus:
    certification = badge.certification
    return event_status(
        ended_on=badge.ended_on,
        end_reason=badge.end_reason,
        anchor_date=badge.anchor_date,
        current_anchor=certification.anchor_date,
        certification_status=certification.status,
    )


def _revoked() -> Q:
    current_anchor = Coalesce(F("certification__reinstated_on"), F("certification__certified_on"))
    return Q(ended_on__isnull=False) | ~Q(anchor_date=current_anchor)


def _bits_query(purpose: str) -> Q:
    if purpose == StatusList.Purpose.REVOCATION:
        return _revoked()
    return _revoked() | ~Q(certification__status=Status.ACTIVE)


def set_indexes(purpose: str) -> list[int]:
    """The indexes (Badge ids) whose bit is set, selected by the database."""
    return list(Badge.objects.filter(_bits_query(purpose)).order_by().values_list("pk", flat=True))


def list_length(highest_index: int | None) -> int:
    needed = (highest_index or 0) + 1
    return max(MIN_LENGTH, -(-needed // MIN_LENGTH) * MIN_LENGTH)


def bitstring(indexes: Iterable[int], length: int) -> bytes:
    """The uncompressed bitstring: index 0 is the left-most (most significant) bit of the first byte."""
    bits = bytearray(length // 8)
    for index in indexes:
        bits[index // 8] |= 0x80 >> (index % 8)
    return bytes(bits)


def encode_list(bits: bytes) -> str:
    """GZIP, then multibase base64url without padding (the "u" prefix)."""
    compressed = gzip.compress(bits, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).decode().rstrip("=")


def decode_list(encoded: str) -> bytes:
    if not encoded.startswith("u"):
        raise ValueError("the encoded list is not multibase base64url")
    data = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))


def bit_is_set(bits: bytes, index: int) -> bool:
    if not 0 <= index < len(bits) * 8:
        raise ValueError(f"index {index} is outside the status list")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def status_list_url(purpose: str) -> str:
    return absolute_url(reverse("credentials:status_list", args=[purpose]))


def issuer_id() -> str:
    return absolute_url(reverse("credentials:issuer"))


def status_list_claims(*, purpose: str, encoded_list: str, signed_at) -> dict:
    url = status_list_url(purpose)
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_id(),
        "validFrom": signed_at.isoformat(timespec="seconds"),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encoded_list,
        },
    }
    timestamp = int(signed_at.timestamp())
    return {"vc": credential, "iss": credential["issuer"], "jti": url, "sub": f"{url}#list", "nbf": timestamp,
            "iat": timestamp}  # fmt: skip


def status_entry(*, purpose: str, index: int) -> dict:
    """The BitstringStatusListEntry a credential carries for its event."""
    url = status_list_url(purpose)
    return {
        "id": f"{url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": url,
    }


def status_lists_refresh() -> int:
    """Re-sign each status list whose bits changed (the lists are created the first time); returns how many
    were signed."""
    return sum(_refresh(purpose) for purpose in PURPOSES)


def _refresh(purpose: str) -> bool:
    with transaction.atomic():
        row = StatusList.objects.select_for_update().filter(purpose=purpose).first()
        length = list_length(Badge.objects.aggregate(highest=Max("pk"))["highest"])
        indexes = set_indexes(purpose)
        bits = bitstring(indexes, length)
        digest = hashlib.sha256(bits).hexdigest()
        if row is not None and row.digest == digest:
            return False
        signed_at = clock.now().replace(microsecond=0)
        claims = status_list_claims(purpose=purpose, encoded_list=encode_list(bits), signed_at=signed_at)
        values = {"length": length, "set_bits": len(indexes), "digest": digest,
                  "credential_jwt": keys.sign_jwt(claims), "signed_at": signed_at}  # fmt: skip
        if row is None:
            return _create(purpose, values)
        StatusList.objects.filter(pk=row.pk).update(**values)
        return True


def _create(purpose: str, values: dict) -> bool:
    try:
        with transaction.atomic():
            StatusList.objects.create(purpose=purpose, **values)
    except IntegrityError:
        return False  # another refresh created it at the same moment, from the same rows
    return True


def ensure_covers(index: int) -> None:
    """Sign the lists again if they do not exist yet or are too short for `index` (a new event)."""
    lengths = dict(StatusList.objects.values_list("purpose", "length"))
    if any(lengths.get(purpose, 0) <= index for purpose in PURPOSES):
        status_lists_refresh()

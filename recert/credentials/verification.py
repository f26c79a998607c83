"""Offline verification of a downloaded credential (`manage.py verify_credential`): the signature against a
key set (the portal's own, or a published JWKS), the validity dates, then the status lists (the portal's
stored ones, or downloaded files), each status list's own signature included. The answer says why a
credential fails, in words: malformed, signed by another key, tampered, revoked, suspended, expired, not
yet valid, or its status cannot be checked."""

import datetime
import json
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

from joserfc import jws
from joserfc.errors import BadSignatureError, JoseError
from joserfc.jwk import KeySet

from recert.credentials import status_lists
from recert.credentials.keys import ALGORITHM

CREDENTIAL_TYPES = {"OpenBadgeCredential", "AchievementCredential"}


@dataclass(frozen=True)
class Verdict:
    kind: str  # valid, malformed, other_key, tampered, expired, not_yet_valid, revoked, suspended, unknown
    reason: str
    credential: dict = field(default_factory=dict)

    @property
    def is_valid(self) -> bool:
        return self.kind == "valid"


class Rejected(Exception):
    def __init__(self, kind: str, reason: str):
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


def verify(
    token: str, *, key_set: KeySet, status_list_tokens: Mapping[str, str], now: datetime.datetime
) -> Verdict:
    """`status_list_tokens`: signed status list credentials (JWTs) by their URL."""
    try:
        claims = _verified_claims(token.strip(), key_set)
        credential = _credential(claims)
        _check_dates(claims, now)
        _check_status(credential, key_set, status_list_tokens)
    except Rejected as rejected:
        return Verdict(rejected.kind, rejected.reason)
    return Verdict("valid", "valid", credential)


def _verified_claims(token: str, key_set: KeySet) -> dict:
    if token.count(".") != 2:
        raise Rejected("malformed", "malformed: not a compact JWT (three dot-separated parts)")
    try:
        header = jws.extract_compact(token.encode()).headers()
    except (JoseError, ValueError, UnicodeDecodeError) as error:
        raise Rejected("malformed", f"malformed: the JWT header cannot be read ({error})") from error
    if header.get("alg") != ALGORITHM:
        raise Rejected("malformed", f"malformed: signature algorithm {header.get('alg')!r}, expected EdDSA")
    kid = header.get("kid")
    if not kid:
        raise Rejected("malformed", "malformed: the JWT header names no key (kid)")
    try:
        key = key_set.get_by_kid(kid)
    except (JoseError, ValueError, KeyError):
        raise Rejected("other_key", f"signed by another key (kid {kid!r} is not the portal's)") from None
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="EdDSA is deprecated")
            payload = jws.deserialize_compact(token, key, algorithms=[ALGORITHM]).payload
    except BadSignatureError:
        raise Rejected("tampered", "tampered: the signature does not match the content") from None
    except (JoseError, ValueError) as error:
        raise Rejected("malformed", f"malformed: {error}") from error
    try:
        claims = json.loads(payload)
    except (ValueError, UnicodeDecodeError) as error:
        raise Rejected("malformed", "malformed: the payload is not JSON") from error
    if not isinstance(claims, dict):
        raise Rejected("malformed", "malformed: the payload is not a JSON object")
    return claims


def _credential(claims: dict) -> dict:
    credential = claims.get("vc")
    if not isinstance(credential, dict):
        raise Rejected("malformed", "malformed: no credential (`vc` claim) in the JWT")
    types = set(credential.get("type") or [])
    if "VerifiableCredential" not in types or not types & CREDENTIAL_TYPES:
        raise Rejected("malformed", "malformed: not an Open Badges 3.0 credential")
    issuer = credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if claims.get("iss") != issuer_id or claims.get("jti") != credential.get("id"):
        raise Rejected("malformed", "malformed: the JWT claims do not match the credential (iss, jti)")
    return credential


def _check_dates(claims: dict, now: datetime.datetime) -> None:
    instant = now.timestamp()
    not_before, expires = claims.get("nbf"), claims.get("exp")
    number = int | float
    if not isinstance(not_before, number) or (expires is not None and not isinstance(expires, number)):
        raise Rejected("malformed", "malformed: nbf/exp are not timestamps")
    if instant < not_before:
        raise Rejected("not_yet_valid", f"not yet valid: valid from {_when(not_before)}")
    if expires is not None and instant >= expires:
        raise Rejected("expired", f"expired on {_when(expires)}")


def _when(timestamp: float) -> str:
    return datetime.datetime.fromtimestamp(timestamp, datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _entries(credential: dict) -> list[dict]:
    status = credential.get("credentialStatus")
    entries = status if isinstance(status, list) else [status] if status else []
    if not entries:
        raise Rejected("unknown", "status unknown: the credential carries no status entry")
    return entries


def _check_status(credential: dict, key_set: KeySet, tokens: Mapping[str, str]) -> None:
    for entry in _entries(credential):
        if not isinstance(entry, dict) or entry.get("type") != "BitstringStatusListEntry":
            raise Rejected("unknown", "status unknown: the status entry is not a BitstringStatusListEntry")
        purpose, index = entry.get("statusPurpose"), _index(entry)
        if not _bit(entry.get("statusListCredential"), purpose, index, key_set, tokens):
            continue
        revocation_url = status_lists_url_for(entry.get("statusListCredential"), "revocation")
        revoked = _bit(revocation_url, "revocation", index, key_set, tokens, missing=False)
        if purpose == "revocation" or revoked:
            raise Rejected("revoked", "revoked: the certification event this credential proves has ended")
        raise Rejected(
            "suspended",
            "suspended: the certification is not Active (lapsed, e.g. an unpaid annual fee); the credential "
            "is valid again once the certification is Active",
        )


def status_lists_url_for(url: str | None, purpose: str) -> str:
    """The sibling list of another purpose at the same issuer (the portal serves /status/<purpose>)."""
    base, _, _ = (url or "").rpartition("/")
    return f"{base}/{purpose}"


def _index(entry: dict) -> int:
    try:
        return int(entry.get("statusListIndex", ""))
    except ValueError:
        raise Rejected("unknown", "status unknown: the status entry has no list index") from None


def _bit(url, purpose, index, key_set, tokens, *, missing: bool | None = None) -> bool:
    """The bit at `index` of the signed list at `url`; with `missing` given, a list that is not available
    answers that value instead of failing the check."""
    token = tokens.get(url or "")
    if token is None:
        if missing is not None:
            return missing
        raise Rejected("unknown", f"status unknown: the status list {url} is not available")
    try:
        claims = _verified_claims(token, key_set)
    except Rejected as rejected:
        raise Rejected("unknown", f"status unknown: the status list {url} is {rejected.reason}") from None
    subject = (claims.get("vc") or {}).get("credentialSubject") or {}
    if subject.get("statusPurpose") != purpose:
        raise Rejected("unknown", f"status unknown: the status list {url} is not a {purpose} list")
    try:
        return status_lists.bit_is_set(status_lists.decode_list(subject.get("encodedList", "")), index)
    except (ValueError, OSError) as error:
        raise Rejected(
            "unknown", f"status unknown: the status list {url} cannot be read ({error})"
        ) from error


def status_list_tokens_from_files(texts: list[str]) -> dict[str, str]:
    """Downloaded status list credentials (JWT text) by the URL each names as its id (unverified here: each
    one's signature is checked when it is used)."""
    tokens = {}
    for text in texts:
        try:
            payload = jws.extract_compact(text.strip().encode()).payload
            tokens[json.loads(payload)["vc"]["id"]] = text.strip()
        except (JoseError, ValueError, KeyError, TypeError) as error:
            raise ValueError(f"not a status list credential: {error}") from error
    return tokens

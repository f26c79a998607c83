"""The Open Badges 3.0 OpenBadgeCredential (AchievementCredential) of a certification event, and its JWT
form (OB 3.0 "JSON Web Token Proof Format": the credential in the `vc` claim, with iss, jti, sub, nbf and
exp mapped from it; header alg EdDSA and kid).

Plain values in, a dict out: the service gathers the facts, this module only shapes them. The credential
carries `issuanceDate`/`expirationDate` (the names of the 1EdTech schema the tests validate against) and
their VC 2.0 names `validFrom`/`validUntil` with the same instants, so verifiers of either generation read
the same dates."""

import datetime
import uuid
from dataclasses import dataclass

from django.conf import settings

from core.links import absolute_url
from recert.credentials import keys, status_lists

CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
SCHEMA_URL = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"


@dataclass(frozen=True)
class CredentialFacts:
    credential_id: uuid.UUID
    member_name: str
    member_number: str
    credential_code: str
    credential_name: str
    certified_since: datetime.date
    event_index: int
    verification_path: str
    issued_at: datetime.datetime
    valid_until: datetime.datetime


def issuer_profile() -> dict:
    """The OB 3.0 Profile of the issuer, served at its own id (a stable URL)."""
    return {
        "id": status_lists.issuer_id(),
        "type": ["Profile"],
        "name": settings.ORGANIZATION_NAME,
        "url": settings.PORTAL_BASE_URL.rstrip("/") + "/",
        "email": settings.ORGANIZATION_EMAIL,
    }


def subject_id(member_number: str) -> str:
    """A stable identifier of the member for `sub` (a URN: it is not a page anyone can open)."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, absolute_url(f'/members/{member_number}'))}"


def achievement(*, code: str, name: str) -> dict:
    return {
        "id": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, absolute_url(f'/credentials/achievements/{code}'))}",
        "type": ["Achievement"],
        "achievementType": "Certification",
        "humanCode": code,
        "name": name,
        "description": f"{settings.ORGANIZATION_NAME} certification as {name} ({code}).",
        "criteria": {
            "narrative": (
                f"Certified by {settings.ORGANIZATION_NAME} as {name} and in good standing (Active): annual "
                "fees paid and continuing certification (CCP) requirements met."
            )
        },
    }


def _instant(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def credential_document(facts: CredentialFacts) -> dict:
    verification_url = absolute_url(facts.verification_path)
    certified_since = datetime.datetime.combine(facts.certified_since, datetime.time(), tzinfo=datetime.UTC)
    return {
        "@context": CONTEXT,
        "id": f"urn:uuid:{facts.credential_id}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{facts.credential_name} ({facts.credential_code})",
        "description": f"{facts.member_name} is certified as {facts.credential_name} by "
        f"{settings.ORGANIZATION_NAME}. Check the current status at {verification_url}",
        "issuer": issuer_profile(),
        "issuanceDate": _instant(facts.issued_at),
        "validFrom": _instant(facts.issued_at),
        "expirationDate": _instant(facts.valid_until),
        "validUntil": _instant(facts.valid_until),
        "awardedDate": _instant(certified_since),
        "credentialSubject": {
            "id": subject_id(facts.member_number),
            "type": ["AchievementSubject"],
            "identifier": [
                _identity("name", facts.member_name),
                _identity("identifier", facts.member_number),
            ],
            "achievement": achievement(code=facts.credential_code, name=facts.credential_name),
        },
        "evidence": [
            {
                "id": verification_url,
                "type": ["Evidence"],
                "name": "Current status",
                "description": "The certification's public verification page: its status today.",
            }
        ],
        "credentialStatus": status_lists.status_entry(
            purpose=status_lists.StatusList.Purpose.SUSPENSION, index=facts.event_index
        ),
        "credentialSchema": [{"id": SCHEMA_URL, "type": "1EdTechJsonSchemaValidator2019"}],
    }


def _identity(kind: str, value: str) -> dict:
    return {"type": "IdentityObject", "identityType": kind, "hashed": False, "identityHash": value}


def credential_claims(facts: CredentialFacts) -> dict:
    document = credential_document(facts)
    return {
        "vc": document,
        "iss": document["issuer"]["id"],
        "jti": document["id"],
        "sub": document["credentialSubject"]["id"],
        "nbf": int(facts.issued_at.timestamp()),
        "iat": int(facts.issued_at.timestamp()),
        "exp": int(facts.valid_until.timestamp()),
    }


def credential_jwt(facts: CredentialFacts) -> str:
    return keys.sign_jwt(credential_claims(facts))

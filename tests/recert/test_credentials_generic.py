"""A downloaded credential checked with a generic JWT library (PyJWT with cryptography), using only what
the portal publishes (the JWKS at /.well-known/jwks.json and the status list), not the portal's own code;
the credential JSON is validated against the official 1EdTech OB 3.0 AchievementCredential JSON schema,
vendored in tests/recert/vendor/ (see its README for where it comes from)."""

import base64
import gzip
import json
from pathlib import Path

import jsonschema
import jwt
import pytest
from django.urls import reverse

from tests.recert.credential_fixtures import active_certification

pytestmark = pytest.mark.django_db

SCHEMA = json.loads(
    (Path(__file__).parent / "vendor" / "ob_v3p0_achievementcredential_schema.json").read_text()
)


def test_the_vendored_schema_is_a_valid_2019_09_schema_that_rejects_an_incomplete_credential():
    jsonschema.Draft201909Validator.check_schema(SCHEMA)
    errors = list(jsonschema.Draft201909Validator(SCHEMA).iter_errors({"type": ["VerifiableCredential"]}))
    assert {error.message for error in errors} >= {"'issuanceDate' is a required property"}


def test_pyjwt_verifies_a_downloaded_credential_with_the_published_jwks(client):
    certification = active_certification()
    client.force_login(certification.member.user)
    token = client.post(reverse("credentials:download", args=[certification.pk])).content.decode()
    client.logout()
    jwks = jwt.PyJWKSet.from_dict(client.get("/.well-known/jwks.json").json())

    header = jwt.get_unverified_header(token)
    key = next(key for key in jwks.keys if key.key_id == header["kid"])
    claims = jwt.decode(
        token, key.key, algorithms=["EdDSA"], options={"require": ["iss", "jti", "sub", "nbf", "exp"]}
    )

    credential = claims["vc"]
    validator = jsonschema.Draft201909Validator(
        SCHEMA, format_checker=jsonschema.Draft201909Validator.FORMAT_CHECKER
    )
    assert [error.message for error in validator.iter_errors(credential)] == []
    assert header["alg"] == "EdDSA" and header["typ"] == "JWT"
    assert {"VerifiableCredential", "OpenBadgeCredential"} <= set(credential["type"])
    assert claims["iss"] == credential["issuer"]["id"] and claims["jti"] == credential["id"]
    assert claims["sub"] == credential["credentialSubject"]["id"]
    identifiers = {
        item["identityType"]: item["identityHash"] for item in credential["credentialSubject"]["identifier"]
    }
    assert identifiers == {"name": "Ana O’Neil", "identifier": certification.member.member_number}
    achievement = credential["credentialSubject"]["achievement"]
    assert achievement["humanCode"] == "RMA" and achievement["criteria"]["narrative"]
    assert credential["awardedDate"].startswith("2024-05-14")
    assert credential["evidence"][0]["id"].endswith(certification.get_verification_url())

    # its status entry points at a list the portal serves, signed by the same published key
    entry = credential["credentialStatus"]
    assert entry["type"] == "BitstringStatusListEntry" and entry["statusPurpose"] == "suspension"
    status_path = entry["statusListCredential"].removeprefix("http://127.0.0.1:8000")
    status_token = client.get(status_path).content.decode()
    status_claims = jwt.decode(status_token, key.key, algorithms=["EdDSA"])
    encoded = status_claims["vc"]["credentialSubject"]["encodedList"]
    assert encoded[0] == "u"
    bits = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    index = int(entry["statusListIndex"])
    assert len(bits) * 8 >= 131_072
    assert not bits[index // 8] & (0x80 >> (index % 8))  # Active: the bit is clear

"""The public documents (JWKS, issuer profile, status lists) and the member's proof page and download."""

import base64
import hashlib
import json

import pytest
import time_machine
from django.urls import reverse
from joserfc import jws
from joserfc.util import to_bytes

from recert.credentials import keys, status_lists
from recert.models import IssuedCredential
from tests.factories import MemberFactory
from tests.recert.credential_fixtures import TODAY, active_certification, lapse

pytestmark = pytest.mark.django_db

AT_NOON = f"{TODAY.isoformat()} 12:00:00Z"


def _thumbprint(jwk: dict) -> str:
    """RFC 7638, written out: SHA-256 of the required members in lexicographic order, no whitespace."""
    canonical = json.dumps({name: jwk[name] for name in ("crv", "kty", "x")}, separators=(",", ":"))
    return base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).decode().rstrip("=")


def test_the_jwks_publishes_the_public_key_with_its_thumbprint_as_kid(client):
    response = client.get("/.well-known/jwks.json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/jwk-set+json"
    assert "max-age=300" in response["Cache-Control"] and "public" in response["Cache-Control"]
    (jwk,) = response.json()["keys"]
    assert jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519" and jwk["alg"] == "EdDSA"
    assert "d" not in jwk  # never the private part
    assert jwk["kid"] == _thumbprint(jwk) == keys.key_id()


def test_the_issuer_profile_names_the_organization(client, settings):
    settings.ORGANIZATION_NAME = "American Medical Technologists (AMT)"

    profile = client.get(reverse("credentials:issuer")).json()

    assert profile["id"] == "http://127.0.0.1:8000/credentials/issuer"
    assert profile["type"] == ["Profile"]
    assert profile["name"] == "American Medical Technologists (AMT)"
    assert profile["url"] == "http://127.0.0.1:8000/" and profile["email"] == settings.ORGANIZATION_EMAIL


def test_a_status_list_is_served_as_a_signed_jwt_with_a_short_cache(client):
    assert client.get("/credentials/status/suspension").status_code == 404  # not signed yet
    status_lists.status_lists_refresh()

    response = client.get("/credentials/status/suspension")

    assert response.status_code == 200 and response["Content-Type"] == "application/jwt"
    assert "max-age=300" in response["Cache-Control"]
    payload = jws.deserialize_compact(response.content, keys.signing_key(), algorithms=["EdDSA"]).payload
    assert json.loads(payload)["vc"]["credentialSubject"]["statusPurpose"] == "suspension"
    assert client.get("/credentials/status/other").status_code == 404


def test_the_proof_page_offers_proof_for_active_certifications_and_says_why_not_for_others(client):
    certification = active_certification()
    member = certification.member
    lapsed, _ = lapse(active_certification(member, code="MT"))
    client.force_login(member.user)

    page = client.get(reverse("credentials:proof")).content.decode()

    assert "Download the verifiable credential" in page
    assert reverse("credentials:download", args=[certification.pk]) in page
    assert reverse("credentials:download", args=[lapsed.pk]) not in page
    assert "No proof is offered while the certification is not Active. Lapsed (fees)" in page
    for name in ("members:certificate_pdf", "members:wallet_card_pdf"):
        assert reverse(name, args=[certification.pk]) in page
        assert reverse(name, args=[lapsed.pk]) not in page


@time_machine.travel(AT_NOON)
def test_downloading_writes_a_row_and_answers_a_jwt_file(client):
    certification = active_certification()
    client.force_login(certification.member.user)

    response = client.post(reverse("credentials:download", args=[certification.pk]))

    assert response.status_code == 200 and response["Content-Type"] == "application/jwt"
    number = certification.member.member_number
    assert response["Content-Disposition"] == f'attachment; filename="{number}-RMA-credential.jwt"'
    assert "no-store" in response["Cache-Control"]
    issued = IssuedCredential.objects.get()
    claims = json.loads(jws.extract_compact(to_bytes(response.content)).payload)
    assert claims["jti"] == f"urn:uuid:{issued.id}"
    assert (
        issued.badge.certification == certification
        and issued.valid_until.isoformat() == "2027-11-29T12:00:00+00:00"
    )


def test_downloading_needs_a_post_and_a_sign_in(client):
    certification = active_certification()
    url = reverse("credentials:download", args=[certification.pk])

    assert client.post(url).status_code == 302  # to sign in
    client.force_login(certification.member.user)
    assert client.get(url).status_code == 405
    assert not IssuedCredential.objects.exists()


def test_another_members_certification_is_a_404(client):
    certification = active_certification()
    client.force_login(MemberFactory().user)

    response = client.post(reverse("credentials:download", args=[certification.pk]))

    assert response.status_code == 404 and not IssuedCredential.objects.exists()


def test_a_certification_that_is_not_active_gets_a_message_and_no_credential(client):
    certification, _ = lapse(active_certification())
    client.force_login(certification.member.user)

    response = client.post(reverse("credentials:download", args=[certification.pk]), follow=True)

    assert "Your RMA certification is Lapsed (fees): a verifiable credential is offered for Active" in (
        response.content.decode()
    )
    assert not IssuedCredential.objects.exists()


def test_the_member_navigation_links_the_proof_page(client):
    certification = active_certification()
    client.force_login(certification.member.user)

    assert reverse("credentials:proof") in client.get(reverse("home")).content.decode()

"""`manage.py verify_credential`: a downloaded credential checked offline, with the reason when it fails."""

import datetime
import json
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command
from joserfc import jws
from joserfc.jwk import OKPKey

from recert.credentials import keys, status_lists
from recert.models import Badge, StatusList
from recert.services.credentials import credential_download
from tests.recert.credential_fixtures import TODAY, active_certification, lapse, pay

pytestmark = pytest.mark.django_db

NOON = datetime.datetime.combine(TODAY, datetime.time(12), tzinfo=datetime.UTC)


def _download(tmp_path: Path, certification=None) -> tuple[Path, object]:
    certification = certification or active_certification()
    downloaded = credential_download(certification=certification, now=NOON)
    path = tmp_path / downloaded.filename
    path.write_text(downloaded.token)
    return path, certification


def _verify(path: Path, *options: str, at=NOON) -> str:
    with time_machine.travel(at, tick=False):
        out = []
        call_command("verify_credential", str(path), *options, stdout=_Sink(out))
    return "".join(out)


def _rejection(path: Path, *options: str, at=NOON) -> str:
    with pytest.raises(CommandError) as raised:
        _verify(path, *options, at=at)
    assert raised.value.returncode == 1
    return str(raised.value)


class _Sink:
    def __init__(self, into: list):
        self.into = into

    def write(self, text):
        self.into.append(text)

    def flush(self):
        pass


def test_a_fresh_credential_is_valid_with_its_subject(tmp_path):
    path, certification = _download(tmp_path)

    out = _verify(path)

    assert out.startswith("valid")
    assert "name: Ana O’Neil" in out and f"member number: {certification.member.member_number}" in out
    assert "credential: Registered Medical Assistant (RMA)" in out or "(RMA)" in out
    assert "certified since: 2024-05-14" in out
    assert f"verification link: http://127.0.0.1:8000{certification.get_verification_url()}" in out


def test_one_byte_changed_is_tampered(tmp_path):
    path, _ = _download(tmp_path)
    header, payload, signature = path.read_text().split(".")
    middle = len(payload) // 2
    payload = payload[:middle] + ("A" if payload[middle] != "A" else "B") + payload[middle + 1 :]
    path.write_text(".".join([header, payload, signature]))

    assert _rejection(path) == "invalid: tampered: the signature does not match the content"


def test_a_credential_signed_by_another_key_is_refused(tmp_path):
    path, certification = _download(tmp_path)
    other = OKPKey.generate_key("Ed25519")
    forged = tmp_path / "forged.jwt"
    facts = credential_download(certification=certification, now=NOON)
    claims = json.loads(jws.extract_compact(facts.token.encode()).payload)  # the portal's content, forged
    forged.write_text(keys.sign_jwt(claims, other))

    assert "invalid: signed by another key" in _rejection(forged)


def test_a_revoked_credential_is_refused_as_revoked(tmp_path):
    path, certification = _download(tmp_path)
    Badge.objects.filter(certification=certification).update(ended_on=TODAY, end_reason="Must recertify.")
    status_lists.status_lists_refresh()

    assert _rejection(path).startswith("invalid: revoked: the certification event")


def test_a_lapsed_certifications_credential_is_refused_as_suspended_and_valid_again_once_paid(tmp_path):
    path, certification = _download(tmp_path)
    certification, lapsed_on = lapse(certification)
    status_lists.status_lists_refresh()

    assert _rejection(path).startswith("invalid: suspended: the certification is not Active (lapsed")

    pay(certification, lapsed_on)
    status_lists.status_lists_refresh()
    assert _verify(path).startswith("valid")


def test_expired_and_not_yet_valid(tmp_path):
    path, _ = _download(tmp_path)

    a_year_later = NOON + datetime.timedelta(days=365)
    assert _rejection(path, at=a_year_later).startswith("invalid: expired on 2027-11-29 12:00 UTC")
    assert _rejection(path, at=NOON - datetime.timedelta(hours=1)).startswith("invalid: not yet valid")


def test_malformed_files(tmp_path):
    path = tmp_path / "not.jwt"
    path.write_text("hello")

    assert _rejection(path).startswith("invalid: malformed")


def test_with_a_published_jwks_and_downloaded_status_lists(tmp_path, client):
    path, certification = _download(tmp_path)
    jwks = tmp_path / "jwks.json"
    jwks.write_bytes(client.get("/.well-known/jwks.json").content)
    lists = []
    for purpose in ("suspension", "revocation"):
        lists += ["--status-list", str(tmp_path / f"{purpose}.jwt")]
        (tmp_path / f"{purpose}.jwt").write_bytes(client.get(f"/credentials/status/{purpose}").content)

    assert _verify(path, "--jwks", str(jwks), *lists).startswith("valid")

    lapse(certification)
    status_lists.status_lists_refresh()
    # the files downloaded before the lapse still say valid; fresh ones say suspended
    assert _verify(path, "--jwks", str(jwks), *lists).startswith("valid")
    (tmp_path / "suspension.jwt").write_bytes(client.get("/credentials/status/suspension").content)
    assert "suspended" in _rejection(path, "--jwks", str(jwks), *lists)


def test_a_status_list_not_signed_by_the_portal_is_not_trusted(tmp_path):
    path, _ = _download(tmp_path)
    other = OKPKey.generate_key("Ed25519")
    row = StatusList.objects.get(purpose="suspension")
    claims = status_lists.status_list_claims(
        purpose="suspension", encoded_list=status_lists.encode_list(bytes(16384)), signed_at=NOON
    )
    StatusList.objects.filter(pk=row.pk).update(credential_jwt=keys.sign_jwt(claims, other))

    assert "invalid: status unknown: the status list" in _rejection(path)

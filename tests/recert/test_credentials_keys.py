"""The portal's signing key: from the PEM setting, else the file; the development key file is created once
and never replaced; without a key, a configuration error that says what to set."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from joserfc.jwk import OKPKey

from recert.credentials import keys


def _pem() -> str:
    return OKPKey.generate_key("Ed25519").as_pem(private=True).decode()


def test_the_pem_setting_wins_over_the_file(settings, tmp_path):
    pem = _pem()
    settings.CREDENTIAL_SIGNING_KEY = pem
    settings.CREDENTIAL_SIGNING_KEY_FILE = str(tmp_path / "absent.pem")

    assert keys.signing_key().thumbprint() == OKPKey.import_key(pem).thumbprint()


def test_the_key_file_is_read_when_no_pem_is_set(settings, tmp_path):
    path = tmp_path / "key.pem"
    path.write_text(_pem())
    settings.CREDENTIAL_SIGNING_KEY, settings.CREDENTIAL_SIGNING_KEY_FILE = "", str(path)

    assert keys.signing_key().thumbprint() == OKPKey.import_key(path.read_bytes()).thumbprint()


def test_a_missing_file_says_how_to_create_it(settings, tmp_path):
    settings.CREDENTIAL_SIGNING_KEY_CREATE_MISSING = False
    settings.CREDENTIAL_SIGNING_KEY, settings.CREDENTIAL_SIGNING_KEY_FILE = "", str(tmp_path / "absent.pem")

    with pytest.raises(ImproperlyConfigured, match="run `manage.py credential_signing_key`"):
        keys.signing_key()


def test_production_without_a_key_is_a_clear_configuration_error(settings):
    settings.CREDENTIAL_SIGNING_KEY, settings.CREDENTIAL_SIGNING_KEY_FILE = "", ""

    with pytest.raises(ImproperlyConfigured, match="set CREDENTIAL_SIGNING_KEY"):
        keys.signing_key()
    with pytest.raises(CommandError, match="in production put"):
        call_command("credential_signing_key")


def test_a_key_that_is_not_ed25519_private_is_refused(settings):
    settings.CREDENTIAL_SIGNING_KEY = "-----BEGIN PRIVATE KEY-----\nnonsense\n-----END PRIVATE KEY-----\n"

    with pytest.raises(ImproperlyConfigured, match="not a PEM key"):
        keys.signing_key()


def test_the_command_creates_the_development_key_once_and_never_overwrites_it(settings, tmp_path, capsys):
    path = tmp_path / "var" / "credential-signing-key.pem"
    settings.CREDENTIAL_SIGNING_KEY, settings.CREDENTIAL_SIGNING_KEY_FILE = "", str(path)

    call_command("credential_signing_key")
    first = path.read_bytes()
    call_command("credential_signing_key")

    assert path.read_bytes() == first
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    out = capsys.readouterr().out
    assert "Created credential signing key" in out and "Kept the existing credential signing key" in out
    assert OKPKey.import_key(first).is_private


def test_jwts_carry_alg_eddsa_and_the_thumbprint_as_kid(settings, tmp_path):
    settings.CREDENTIAL_SIGNING_KEY = _pem()
    token = keys.sign_jwt({"hello": "world"})

    from joserfc import jws

    header = jws.extract_compact(token.encode()).headers()
    assert header == {"alg": "EdDSA", "kid": keys.key_id(), "typ": "JWT"}

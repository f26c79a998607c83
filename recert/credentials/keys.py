"""The portal's Ed25519 signing key: a PEM in CREDENTIAL_SIGNING_KEY (production), else the file named by
CREDENTIAL_SIGNING_KEY_FILE (development: `manage.py credential_signing_key` writes it). Its public half is
published as a JWKS whose `kid` is the RFC 7638 thumbprint; everything cryptographic is joserfc's."""

import os
import tempfile
import warnings
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from joserfc import jwt
from joserfc.jwk import KeySet, OKPKey

ALGORITHM = "EdDSA"


def write_new_key_file(path: str | Path) -> bool:
    """Write a new Ed25519 private key (PKCS#8 PEM, readable by the owner only) at `path` unless a file is
    already there; True when written. The file appears whole or not at all, and a concurrent writer never
    replaces a key another process may already sign with (os.link fails on an existing name)."""
    path = Path(path)
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = OKPKey.generate_key("Ed25519").as_pem(private=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".signing-key-")
    try:
        os.fchmod(handle, 0o600)
        os.write(handle, pem)
        os.close(handle)
        os.link(temporary, path)
    except FileExistsError:
        return False
    finally:
        os.unlink(temporary)
    return True


def signing_key() -> OKPKey:
    """The configured private key; ImproperlyConfigured (saying what to set) when there is none. The test
    settings ask for a missing key file to be written first (CREDENTIAL_SIGNING_KEY_CREATE_MISSING)."""
    pem, key_file = settings.CREDENTIAL_SIGNING_KEY, settings.CREDENTIAL_SIGNING_KEY_FILE
    if not pem and key_file and getattr(settings, "CREDENTIAL_SIGNING_KEY_CREATE_MISSING", False):
        write_new_key_file(key_file)
    return _load(pem, key_file)


@lru_cache(maxsize=4)
def _load(pem: str, key_file: str) -> OKPKey:
    if pem:
        data = pem.encode()
    elif key_file and Path(key_file).is_file():
        data = Path(key_file).read_bytes()
    elif key_file:
        raise ImproperlyConfigured(
            f"The credential signing key file {key_file} does not exist: run `manage.py "
            "credential_signing_key` to create a development key, or set CREDENTIAL_SIGNING_KEY."
        )
    else:
        raise ImproperlyConfigured(
            "No credential signing key: set CREDENTIAL_SIGNING_KEY to the portal's Ed25519 private key "
            "(PKCS#8 PEM)."
        )
    try:
        key = OKPKey.import_key(data)
    except (ValueError, TypeError) as error:
        raise ImproperlyConfigured(f"The credential signing key is not a PEM key: {error}") from error
    if key.curve_name != "Ed25519" or not key.is_private:
        raise ImproperlyConfigured("The credential signing key must be an Ed25519 private key.")
    return key


def key_id(key: OKPKey | None = None) -> str:
    """The RFC 7638 thumbprint of the (public) key: the `kid` of every JWT the portal signs."""
    return (key or signing_key()).thumbprint()


def public_jwk(key: OKPKey | None = None) -> dict:
    key = key or signing_key()
    return {**key.as_dict(private=False), "kid": key.thumbprint(), "use": "sig", "alg": ALGORITHM}


def public_jwks(key: OKPKey | None = None) -> dict:
    return {"keys": [public_jwk(key)]}


def public_key_set(key: OKPKey | None = None) -> KeySet:
    return KeySet([OKPKey.import_key(public_jwk(key))])


def sign_jwt(claims: dict, key: OKPKey | None = None) -> str:
    """A compact JWT (header alg EdDSA, kid, typ JWT) over `claims`. RFC 9864 prefers the fully specified
    "Ed25519" name, but the Open Badges 3.0 JWT proof format names "EdDSA", which verifiers expect."""
    key = key or signing_key()
    header = {"alg": ALGORITHM, "kid": key.thumbprint(), "typ": "JWT"}
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="EdDSA is deprecated")
        return jwt.encode(header, claims, key, algorithms=[ALGORITHM])

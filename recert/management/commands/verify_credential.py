"""Verify a downloaded Open Badges 3.0 credential offline: the signature against the portal's public key
(or a published JWKS file), the validity dates and the status lists (the portal's stored ones, or
downloaded files). Prints "valid" with the subject, or exits 1 with the reason."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from joserfc.jwk import KeySet

from core import clock
from recert.credentials import keys, status_lists, verification
from recert.models import StatusList


class Command(BaseCommand):
    help = "Verify a downloaded credential (.jwt) offline; exit status 1 with the reason when it fails."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The credential file (.jwt).")
        parser.add_argument("--jwks", help="A published JWKS file to check the signature with.")
        parser.add_argument(
            "--status-list", action="append", default=[], dest="status_lists",
            help="A downloaded status list credential (repeatable); default: the portal's stored lists.",
        )  # fmt: skip

    def handle(self, *args, **options):
        token = self._read(options["file"])
        verdict = verification.verify(
            token,
            key_set=self._key_set(options["jwks"]),
            status_list_tokens=self._status_lists(options["status_lists"]),
            now=clock.now(),
        )
        if not verdict.is_valid:
            raise CommandError(f"invalid: {verdict.reason}", returncode=1)
        self.stdout.write(describe(verdict.credential))

    def _read(self, name: str) -> str:
        try:
            return Path(name).read_text()
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"invalid: malformed: cannot read {name} ({error})", returncode=1) from error

    def _key_set(self, jwks_file: str | None) -> KeySet:
        if not jwks_file:
            return keys.public_key_set()
        try:
            return KeySet.import_key_set(json.loads(self._read(jwks_file)))
        except (ValueError, TypeError, KeyError) as error:
            raise CommandError(f"{jwks_file} is not a JWKS: {error}", returncode=2) from error

    def _status_lists(self, files: list[str]) -> dict[str, str]:
        if not files:
            rows = StatusList.objects.values_list("purpose", "credential_jwt")
            return {status_lists.status_list_url(purpose): token for purpose, token in rows}
        try:
            return verification.status_list_tokens_from_files([self._read(name) for name in files])
        except ValueError as error:
            raise CommandError(str(error), returncode=2) from error


def describe(credential: dict) -> str:
    subject = credential.get("credentialSubject", {})
    identifiers = subject.get("identifier", [])
    identities = {item.get("identityType"): item.get("identityHash") for item in identifiers}
    achievement = subject.get("achievement", {})
    lines = [
        "valid",
        f"  name: {identities.get('name', '?')}",
        f"  member number: {identities.get('identifier', '?')}",
        f"  credential: {achievement.get('name', '?')} ({achievement.get('humanCode', '?')})",
        f"  certified since: {credential.get('awardedDate', '?')[:10]}",
        f"  valid until: {credential.get('validUntil', credential.get('expirationDate', '?'))}",
        f"  issuer: {credential.get('issuer', {}).get('name', '?')}",
    ]
    links = [item["id"] for item in credential.get("evidence", []) if item.get("id")]
    lines += [f"  verification link: {link}" for link in links]
    return "\n".join(lines)

"""Create the development credential signing key file (CREDENTIAL_SIGNING_KEY_FILE) if it is missing; an
existing key is never replaced (credentials already handed out would stop verifying)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from recert.credentials import keys


class Command(BaseCommand):
    help = "Create the development Ed25519 credential signing key file if it does not exist yet."

    def handle(self, *args, **options):
        if settings.CREDENTIAL_SIGNING_KEY:
            self.stdout.write("CREDENTIAL_SIGNING_KEY is set: the key comes from the environment.")
            return
        path = settings.CREDENTIAL_SIGNING_KEY_FILE
        if not path:
            raise CommandError(
                "Neither CREDENTIAL_SIGNING_KEY nor CREDENTIAL_SIGNING_KEY_FILE is set: in production put "
                "the portal's Ed25519 private key (PKCS#8 PEM) in CREDENTIAL_SIGNING_KEY."
            )
        created = keys.write_new_key_file(path)
        verb = "Created" if created else "Kept the existing"
        self.stdout.write(f"{verb} credential signing key {path} (kid {keys.key_id()}).")

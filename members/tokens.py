"""Invitation links: a password-reset style token that stops working once the member sets a password."""

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_encode


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "members.tokens.InvitationTokenGenerator"

    def check_token(self, user, token):
        # Django's check uses PASSWORD_RESET_TIMEOUT; an invitation lives longer than a reset link.
        if not (user and token) or "-" not in token:
            return False
        try:
            timestamp = base36_to_int(token.split("-", 1)[0])
        except ValueError:
            return False
        if not any(
            constant_time_compare(self._make_token_with_timestamp(user, timestamp, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        ):
            return False
        age = self._num_seconds(self._now()) - timestamp
        return age <= settings.INVITATION_TIMEOUT_DAYS * 24 * 3600


invitation_token_generator = InvitationTokenGenerator()


def invitation_path_args(user) -> tuple[str, str]:
    return urlsafe_base64_encode(force_bytes(user.pk)), invitation_token_generator.make_token(user)

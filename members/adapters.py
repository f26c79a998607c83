from allauth.account import app_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal.ratelimit import parse_rates

# After too many failed sign-ins for one account (settings.ACCOUNT_RATE_LIMITS "login_failed", per key), the
# account is locked for the window of that limit. A password reset lifts the lock: allauth's reset flow clears
# the failed-login count of every address of the account (allauth.account.internal.flows.password_reset).
LOCK_MESSAGE = (
    "Too many failed sign-in attempts for this account. Try again in {wait}, or reset your password."
)


def account_lock_wait() -> str:
    """How long the per-account lock lasts, in words ("5 minutes")."""
    rates = parse_rates(app_settings.RATE_LIMITS.get("login_failed"))
    seconds = max((rate.duration for rate in rates if rate.per == "key"), default=300)
    minutes = max(round(seconds / 60), 1)
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


class AccountAdapter(DefaultAccountAdapter):
    """No open sign-up: members are created by staff (admin or CSV import) and invited by e-mail."""

    def __init__(self, request=None):
        super().__init__(request)
        self.error_messages = self.error_messages | {
            "too_many_login_attempts": LOCK_MESSAGE.format(wait=account_lock_wait())
        }

    def is_open_for_signup(self, request):
        return False

"""The one place the portal talks to Stripe (or to localstripe in test mode, through the same SDK calls)."""

from urllib.parse import urlsplit

import stripe
from django.conf import settings

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}

# The test cards the pay page offers in test mode (localstripe knows these numbers, as Stripe does).
TEST_CARDS = {
    "success": ("4242424242424242", "Visa, succeeds"),
    "decline": ("4000000000000341", "Visa, declined by the bank"),
    "3ds": ("4000000000003220", "Visa, asks for 3-D Secure authentication"),
}


def client() -> stripe.StripeClient:
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses={"api": settings.STRIPE_API_BASE},
        max_network_retries=2,
    )


def is_configured() -> bool:
    return bool(settings.STRIPE_SECRET_KEY)


def is_test_mode() -> bool:
    """Test mode: the API is a localstripe on this machine, so the server may confirm with test cards."""
    return urlsplit(settings.STRIPE_API_BASE).hostname in LOCAL_HOSTS


def complete_3d_secure(payment_intent_id: str, client_secret: str, *, success: bool) -> None:
    """localstripe's own authenticate endpoint: what the bank's 3-D Secure page does on real Stripe."""
    client().raw_request(
        "post",
        f"/v1/payment_intents/{payment_intent_id}/_authenticate",
        client_secret=client_secret,
        success="true" if success else "false",
    )

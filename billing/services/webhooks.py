"""Stripe's webhook deliveries: verified, checked for shape, acted on by re-reading the object they name,
stored once by event id.

Everything refused is refused before anything is written: a missing or wrong signature, a timestamp more
than five minutes old (Stripe's tolerance) or more than a minute ahead of the portal's clock (a signature
made for later is a replay waiting to happen), and a signed body that is not an event this portal can
store (no id or type, no `data.object`, ids longer than their columns, text PostgreSQL refuses, NaN,
nesting no Stripe event has).
"""

import datetime
import json

import stripe

from billing.models import CardPaymentIntent, StripeEvent
from billing.services.payment_sync import payment_intent_sync
from core.http_guard import json_depth, json_is_storable

FUTURE_TOLERANCE_SECONDS = 60  # clocks drift a little; Stripe signs with its current time
MAX_DEPTH = 32  # Stripe's events nest about ten deep
ID_MAX_LENGTH = 100  # StripeEvent.event_id, .type and .object_id


class StripeEventInvalid(ValueError):
    """A correctly signed body that is not an event this portal can act on or store."""


def _signed_at(signature: str) -> int:
    """The `t=` of a Stripe-Signature header that Stripe's own check already parsed."""
    return int(next(item[2:] for item in signature.split(",") if item.startswith("t=")))


def _verify(*, payload: bytes, signature: str, secret: str, now: datetime.datetime) -> None:
    if not secret:
        raise ValueError("No webhook signing secret is configured (STRIPE_WEBHOOK_SECRET).")
    stripe.WebhookSignature.verify_header(
        payload, signature, secret, tolerance=stripe.Webhook.DEFAULT_TOLERANCE
    )
    if _signed_at(signature) > now.timestamp() + FUTURE_TOLERANCE_SECONDS:
        raise stripe.SignatureVerificationError(
            f"The timestamp is more than {FUTURE_TOLERANCE_SECONDS} seconds ahead of the portal's clock.",
            signature,
        )


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON.")


def _is_short_text(value, *, required: bool) -> bool:
    return isinstance(value, str) and (not required or value != "") and len(value) <= ID_MAX_LENGTH


def _event(payload: bytes) -> dict:
    """The event as a dict, or StripeEventInvalid saying what is wrong with it."""
    try:
        event = json.loads(payload, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than the parser's stack
        raise StripeEventInvalid("The body is not JSON.") from None
    if not isinstance(event, dict) or json_depth(event) > MAX_DEPTH or not json_is_storable(event):
        raise StripeEventInvalid("The body is not a Stripe event.")
    data = event.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("object"), dict):
        raise StripeEventInvalid("The event has no data.object.")
    if not (
        _is_short_text(event.get("id"), required=True)
        and _is_short_text(event.get("type"), required=True)
        and _is_short_text(data["object"].get("id", ""), required=False)
    ):
        raise StripeEventInvalid(
            f"The event's id, type and object id must be text of at most {ID_MAX_LENGTH}."
        )
    return event


def stripe_event_receive(
    *, payload: bytes, signature: str, secret: str, now: datetime.datetime, today: datetime.date
) -> StripeEvent | None:
    """A webhook delivery: verified (ValueError or stripe.SignatureVerificationError when it is not,
    StripeEventInvalid when signed but unusable, before anything is written), acted on by re-reading the
    object it names, and stored once by event id. Stored after acting, so a delivery that failed (Stripe
    not answering) is stored by the retry that succeeds; a copy arriving at the same moment re-reads too,
    which records nothing twice."""
    _verify(payload=payload, signature=signature, secret=secret, now=now)
    event = _event(payload)
    event_id, event_type = event["id"], event["type"]
    object_id = event["data"]["object"].get("id", "")
    if StripeEvent.objects.filter(event_id=event_id).exists():
        return None
    if (
        event_type.startswith("payment_intent.")
        and CardPaymentIntent.objects.filter(stripe_id=object_id).exists()
    ):
        intent = payment_intent_sync(stripe_id=object_id, today=today, source="Stripe webhook")
        outcome = f"intent {intent.status}"
    else:
        outcome = "ignored: not a payment of this portal"
    stored, created = StripeEvent.objects.get_or_create(
        event_id=event_id,
        defaults={"type": event_type, "object_id": object_id, "payload": event, "outcome": outcome},
    )
    return stored if created else None

"""Hostile input never makes a 5xx (issue 12): arbitrary JSON to every API route and the Stripe webhook,
arbitrary path segments on every lookup route. A 4xx (or a 2xx/3xx) is fine; a 500 is a bug.

Hypothesis' text here includes NUL and lone surrogates. Django's test client cannot send a lone surrogate
in a path (it encodes the path as UTF-8), and no real client can either: it sends bytes. Each segment is
therefore percent-encoded with `errors="surrogatepass"` (a lone surrogate becomes the bytes %ED%A0%80 a
careless client would send), which is what reaches the server from the wire.
"""

import hashlib
import hmac
import json
import time
from urllib.parse import quote

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing.models import StripeEvent
from ccp.models import ApiClient
from tests.factories import MemberFactory, make_certification, make_staff

pytestmark = pytest.mark.django_db

EXAMPLES = settings(
    max_examples=60,
    deadline=None,  # a request on PostgreSQL takes tens of milliseconds, unevenly
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

HOSTILE_CHARACTERS = st.sampled_from(["\x00", "\ud800", "\udfff", "\u202e", "/", "%", ".", "\n", "'"])
CHARACTERS = st.one_of(st.characters(exclude_categories=()), HOSTILE_CHARACTERS)  # () lets surrogates in
TEXT = st.text(CHARACTERS, max_size=30) | st.sampled_from(["200001", "RMA", "2026-02-20", "9" * 400])
SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | TEXT
JSON = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(TEXT, children, max_size=4),
    max_leaves=20,
)
# Shaped like the real thing, so the fuzzing reaches past "not the right shape" into each field's checks.
COMPLETION_FIELDS = ("member_number", "course_id", "title", "completed_on", "contact_hours", "credential")
COMPLETION = st.fixed_dictionaries(
    {},
    optional=dict.fromkeys(COMPLETION_FIELDS, JSON),
)
API_BODY = (
    JSON | COMPLETION | st.builds(lambda items: {"completions": items}, st.lists(COMPLETION, max_size=3))
)
STRIPE_EVENT = st.fixed_dictionaries(
    {},
    optional={
        "id": JSON,
        "type": JSON | st.just("payment_intent.succeeded"),
        "data": JSON | st.fixed_dictionaries({"object": JSON | st.dictionaries(st.just("id"), JSON)}),
    },
)

API_SECRET = "fuzz-api-secret"
WEBHOOK_SECRET = "whsec_fuzz"


def _body(value) -> bytes:
    # ensure_ascii (the default) escapes NUL and surrogates as \u0000 / \ud800: valid JSON bytes
    return json.dumps(value).encode()


def _assert_no_server_error(response, what):
    assert response.status_code < 500, f"{response.status_code} for {what!r}"


# --- JSON bodies --------------------------------------------------------------------------------------


@EXAMPLES
@given(value=API_BODY)
def test_the_ce_api_answers_any_signed_json_without_a_server_error(client, value):
    ApiClient.objects.get_or_create(key_id="fuzz", defaults={"name": "Fuzz", "secret": API_SECRET})
    body, timestamp = _body(value), str(int(time.time()))
    signature = hmac.new(API_SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    headers = {"X-Client-Id": "fuzz", "X-Timestamp": timestamp, "X-Signature": signature}

    response = client.post(
        "/api/ccp/completions/", data=body, content_type="application/json", headers=headers
    )

    _assert_no_server_error(response, value)
    assert response["Content-Type"] == "application/json"


@EXAMPLES
@given(value=JSON | STRIPE_EVENT)
def test_the_stripe_webhook_answers_any_signed_json_without_a_server_error(client, settings, value):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    stored_before = StripeEvent.objects.count()
    body, timestamp = _body(value), int(time.time())
    digest = hmac.new(WEBHOOK_SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()

    response = client.post(
        "/billing/stripe/webhook/",
        data=body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=f"t={timestamp},v1={digest}",
    )

    _assert_no_server_error(response, value)
    if response.status_code >= 400:
        assert StripeEvent.objects.count() == stored_before


# --- Path segments on lookup routes -------------------------------------------------------------------

SEGMENT = st.text(CHARACTERS, max_size=40) | st.sampled_from(["D00002", "RMA-200001-202605", "9" * 400])
PUBLIC_ROUTES = ["/check-status/{}/", "/check-status/{}/qr.svg", "/invitation/{}/{}/"]
MEMBER_ROUTES = ["/invoices/{}/", "/invoices/{}/invoice.pdf", "/invoices/{}/receipt.pdf", "/ccp/cycles/{}/"]
STAFF_ROUTES = [
    "/staff/members/{}/",
    "/staff/members/{}/ccp/",
    "/staff/billing/invoices/{}/",
    "/staff/billing/mail-batches/{}/",
]
QUERY_ROUTES = [
    "/check-status/?member_number={}&last_name={}",
    "/staff/members/?q={}",
    "/staff/billing/invoices/?q={}",
]


def _encoded(segment: str) -> str:
    return quote(segment, safe="", errors="surrogatepass")


@pytest.fixture
def signed_in(db, settings):
    """Clients as the routes need them: a visitor, a member with a certification, billing staff with 2FA."""
    settings.STATUS_LOOKUP_RATE = "1000000/600"  # the public lookups' rate limit would answer 429 early
    member = MemberFactory(member_number="200001", last_name="Lee")
    make_certification(member)
    as_member, as_staff = Client(), Client()
    as_member.force_login(member.user)
    as_staff.force_login(make_staff("Billing staff"))
    return {"visitor": Client(), "member": as_member, "staff": as_staff}


ROUTES = (
    [(route, "visitor") for route in PUBLIC_ROUTES]
    + [(route, "member") for route in MEMBER_ROUTES]
    + [(route, "staff") for route in STAFF_ROUTES + QUERY_ROUTES]
)


@pytest.mark.parametrize(("route", "who"), ROUTES)
@EXAMPLES
@given(segment=SEGMENT)
def test_a_lookup_route_answers_any_path_segment_without_a_server_error(signed_in, route, who, segment):
    path = route.format(*[_encoded(segment)] * route.count("{}"))

    response = signed_in[who].get(path)

    _assert_no_server_error(response, path)

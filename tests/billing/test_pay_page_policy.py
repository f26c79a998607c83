"""The pay page's Content-Security-Policy: Stripe.js (js.stripe.com) is admitted only with real Stripe keys;
in test mode (localstripe) the page loads nothing from Stripe and the policy admits nothing from it."""

import pytest
from django.urls import reverse

from billing import stripe_gateway
from tests.billing.conftest import fixed_invoice
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client):
    member = MemberFactory()
    client.force_login(member.user)
    return client, fixed_invoice(member)


def test_in_test_mode_the_pay_page_policy_admits_nothing_from_stripe(signed_in, localstripe):
    client, invoice = signed_in

    response = client.get(reverse("billing:pay", args=[invoice.number]))

    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "stripe.com" not in policy
    assert "unsafe-inline" not in policy
    assert "no-store" in response["Cache-Control"]


def test_with_real_keys_the_pay_page_policy_admits_stripe_js(signed_in, localstripe, monkeypatch):
    client, invoice = signed_in
    # Real Stripe cannot be reached from here: localstripe keeps answering the API calls while the portal
    # is told it is not in test mode, which is all the page and its policy depend on.
    monkeypatch.setattr(stripe_gateway, "is_test_mode", lambda: False)

    response = client.get(reverse("billing:pay", args=[invoice.number]))

    assert response.status_code == 200
    page = response.content.decode()
    assert '<script src="https://js.stripe.com/v3/"></script>' in page
    # pay.js shows a decline in the portal's words, not Stripe.js's (that browser path is untested offline)
    assert '<script id="card-error-words" type="application/json">' in page
    assert "Your bank did not confirm the payment (3-D Secure)." in page
    policy = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    assert policy["script-src"].split() == ["'self'", "https://js.stripe.com", "https://*.js.stripe.com"]
    assert "https://js.stripe.com" in policy["frame-src"].split()
    assert "https://api.stripe.com" in policy["connect-src"].split()
    assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_other_pages_never_admit_stripe_js_even_with_real_keys(signed_in, localstripe, monkeypatch):
    client, invoice = signed_in
    monkeypatch.setattr(stripe_gateway, "is_test_mode", lambda: False)

    response = client.get(reverse("billing:invoice", args=[invoice.number]))

    assert "stripe.com" not in response["Content-Security-Policy"]

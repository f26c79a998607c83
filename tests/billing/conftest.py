"""The `localstripe` fixture: a real localstripe process on 127.0.0.1 that the real stripe SDK talks to.

Each test gets a process of its own (it starts in about a third of a second), so every test sees an empty
Stripe and no webhook registered by an earlier test: localstripe's DELETE /_config/data empties the objects
but keeps the webhooks, and a webhook left pointing at the (session-wide) live server would write events
into later tests. Without localstripe the tests skip with the reason; with REQUIRE_SERVICES=1 they fail.

Browser and integration tests use it too: `localstripe = billing_conftest.localstripe` in their module.
"""

import datetime
import hashlib
import hmac
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from billing import stripe_gateway

START_TIMEOUT = 15  # seconds
STOP_TIMEOUT = 5  # seconds
WEBHOOK_TIMEOUT = 15  # seconds: localstripe sends each event once, about a second later
SERVER_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "localstripe_server.py"
WEBHOOK_PATH = "/billing/stripe/webhook/"


def services_required() -> bool:
    return os.environ.get("REQUIRE_SERVICES", "").strip().lower() in {"1", "true", "yes"}


def _unavailable(reason: str) -> None:
    if services_required():
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class LocalStripe:
    """A running localstripe: its base URL, the keys the portal uses with it, and its log."""

    url: str
    secret_key: str
    webhook_secret: str
    process: subprocess.Popen
    log_path: Path
    webhook_registered: bool = False

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def deliveries(self) -> list[str]:
        """The webhook deliveries localstripe finished (delivered or failed), as its log reports them."""
        return re.findall(r'webhook "[^"]+" (?:successfully delivered|failed[^\n]*)', self.log())

    def wait_for_webhooks(self, timeout: float = WEBHOOK_TIMEOUT) -> None:
        """Until every event localstripe made has been sent to the registered endpoint (it sends each
        about a second after the fact), so no delivery reaches the live server after the test ended."""
        deadline = time.monotonic() + timeout
        while True:
            events = self.api().events.list(params={"limit": 100}).data
            if len(self.deliveries()) >= len(events):
                return
            assert time.monotonic() < deadline, f"webhooks not all sent after {timeout}s:\n{self.log()}"
            time.sleep(0.1)

    def api(self):
        """The SDK's v1 services, as the portal itself calls them (stripe_gateway.client())."""
        return stripe_gateway.client().v1

    def register_webhook(self, base_url: str, *, endpoint_id: str = "portal") -> None:
        """localstripe will POST every event (once, ~1 s later) to `base_url` + the portal's webhook path."""
        form = {"url": base_url.rstrip("/") + WEBHOOK_PATH, "secret": self.webhook_secret}
        request = urllib.request.Request(
            f"{self.url}/_config/webhooks/{endpoint_id}", data=urllib.parse.urlencode(form).encode()
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200, response.read()
        self.webhook_registered = True


def _wait_until_answering(server: LocalStripe) -> str | None:
    """None once localstripe answers an authenticated API call, else why it did not."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            return f"localstripe exited with {server.process.returncode}:\n{server.log()[-2000:]}"
        request = urllib.request.Request(
            f"{server.url}/v1/customers", headers={"Authorization": f"Bearer {server.secret_key}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=1):
                return None
        except urllib.error.HTTPError as error:
            return f"localstripe answered {error.code}: {error.read()[:300]!r}"
        except OSError:  # not listening yet
            time.sleep(0.05)
    return f"localstripe did not answer within {START_TIMEOUT}s:\n{server.log()[-2000:]}"


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT)


@pytest.fixture
def localstripe(settings, tmp_path):
    """A fresh localstripe on a free loopback port, with the portal's Stripe settings pointed at it."""
    port = _free_port()
    log_path = tmp_path / "localstripe.log"
    with log_path.open("wb") as log:
        try:
            process = subprocess.Popen(
                [sys.executable, str(SERVER_SCRIPT), "--port", str(port)],
                cwd=django_settings.BASE_DIR,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        except OSError as error:
            _unavailable(f"localstripe could not be started ({error})")
    server = LocalStripe(
        url=f"http://127.0.0.1:{port}",
        secret_key=f"sk_test_{secrets.token_hex(8)}",
        webhook_secret=f"whsec_{secrets.token_hex(12)}",
        process=process,
        log_path=log_path,
    )
    try:
        problem = _wait_until_answering(server)
        if problem:
            _unavailable(problem)
        settings.STRIPE_API_BASE = server.url
        settings.STRIPE_SECRET_KEY = server.secret_key
        settings.STRIPE_PUBLISHABLE_KEY = "pk_test_localstripe"
        settings.STRIPE_WEBHOOK_SECRET = server.webhook_secret
        yield server
        if server.webhook_registered:
            server.wait_for_webhooks()
    finally:
        _stop(process)


# --- Invoices to pay ----------------------------------------------------------------------------------

FIXED_ISSUE_DAY = datetime.date(
    2026, 4, 1
)  # fee year 2026-05-01..2027-04-30, due 2026-05-31: issued 60 days before
FIXED_PAY_DAY = datetime.date(2026, 4, 10)


def fixed_invoice(member):
    """The invoice of DOMAIN.md's example, on fixed dates: "RMA-<member number>-202605", $50.00, due
    2026-05-31, for a certification paid through 2026-04-30. For tests that pass `today` to services."""
    from billing import services
    from billing.models import Invoice
    from tests.factories import make_certification

    make_certification(
        member,
        certified_on=datetime.date(2019, 5, 14),
        today=datetime.date(2026, 3, 1),
        paid_through=datetime.date(2026, 4, 30),
    )
    services.invoices_issue_due(today=FIXED_ISSUE_DAY)
    return Invoice.objects.get(certification__member=member)


def invoice_due_this_month(member, *, code: str = "RMA"):
    """An open annual invoice due at the end of the current month, on real dates (for the live server and
    the browser, which read core.clock.today()): certified two years ago in this month, paid through
    the end of last month, so the certification is Active and its new fee year began on the 1st."""
    from billing import services
    from billing.models import Invoice
    from core import clock
    from tests.factories import make_certification

    today = clock.today()
    first = today.replace(day=1)
    certification = make_certification(
        member,
        code=code,
        certified_on=datetime.date(first.year - 2, first.month, 14),
        today=today,
        paid_through=first - datetime.timedelta(days=1),
    )
    services.invoices_issue_due(today=today)
    return Invoice.objects.get(certification=certification)


def pay_at_stripe(payment_intent_id: str, *, card: str = "success"):
    """Confirm an intent straight through the API with a test card, as Stripe.js would in the member's
    browser: the portal hears of it only through a webhook, the return page or the daily check."""
    from core import clock

    number, _ = stripe_gateway.TEST_CARDS[card]
    api = stripe_gateway.client().v1
    method = api.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": number, "exp_month": 12, "exp_year": clock.today().year + 3, "cvc": "123"},
        }
    )
    api.payment_intents.update(payment_intent_id, params={"payment_method": method.id})
    return api.payment_intents.confirm(payment_intent_id)


# --- Hand-signed webhook deliveries -------------------------------------------------------------------


def stripe_signature(payload: bytes, secret: str, *, timestamp: int | None = None) -> str:
    """The Stripe-Signature header Stripe sends: HMAC-SHA256 of "<timestamp>.<payload>" with the secret."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def payment_intent_event(event_id: str, event_type: str, payment_intent_id: str, **fields) -> bytes:
    """An event as Stripe sends it; its copy of the intent is deliberately thin (the portal re-reads it)."""
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": event_type,
            "created": int(time.time()),
            "livemode": False,
            "data": {"object": {"id": payment_intent_id, "object": "payment_intent", **fields}},
        }
    ).encode()

"""A local stand-in for Credly's issuing API, bound to 127.0.0.1 (`make run`, the demo and the tests use it).

It answers the calls the portal makes with Credly's JSON shapes ({"data": ..., "metadata": ...}), checks
HTTP Basic auth with the organization token as the user name, validates an issue as Credly does (its
required fields; 422 with a message), and keeps its badges in memory. It never dedupes issues: two posts
make two badges, so a test can see a double issue. (Credly itself refuses a duplicate, same template and
same issuer_earner_id, unless the template allows duplicates: a reinstatement's badge needs that setting.)

    python scripts/credly_server.py --port 8430 [--organization ID] [--token TOKEN]

Credly's endpoints (under /v1):
    POST /organizations/{org}/badges                    issue (201)
    GET  /organizations/{org}/badges?filter=a::b|c::d   issued badges, filtered
    GET  /organizations/{org}/badges/{id}               one badge
    PUT  /organizations/{org}/badges/{id}/revoke        revoke
                                     ({"reason": ..., "suppress_revoke_notification_email": ...})

The control API for tests (no auth):
    POST /_control/fail   {"endpoint": "issue|lookup|get|revoke",
                           "mode": "timeout|500|429|422|lost", "times": N,
                           "retry_after": seconds (429), "sleep": seconds (timeout), "message": (422)}
    GET  /_control/state  {"badges": [...], "calls": {"issue": N, ...}, "failures": {...}}
    POST /_control/reset  forget every badge, call count and failure
"""

import argparse
import base64
import contextlib
import datetime
import json
import re
import threading
import time
import uuid
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

DEFAULT_ORGANIZATION = "00000000-0000-4000-8000-00000000c7ed"
DEFAULT_TOKEN = "credly-stand-in-token"
MODES = {"timeout", "500", "429", "422", "lost"}
ENDPOINTS = {"issue", "lookup", "get", "revoke"}
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ISSUED_AT = re.compile(
    r"^(\d{4}-\d{2}-\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?\s*(?:Z|[+-]\d{2}:?\d{2})?)?$"
)


class State:
    """Badges, call counts and queued failures, shared by the server's threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with self.lock:
            self.badges: dict[str, dict] = {}
            self.calls: dict[str, int] = dict.fromkeys(ENDPOINTS, 0)
            self.failures: dict[str, list[dict]] = {endpoint: [] for endpoint in ENDPOINTS}

    def count_and_take_failure(self, endpoint: str) -> dict | None:
        with self.lock:
            self.calls[endpoint] += 1
            queued = self.failures[endpoint]
            return queued.pop(0) if queued else None

    def snapshot(self) -> dict:
        with self.lock:
            return {
                "badges": list(self.badges.values()),
                "calls": dict(self.calls),
                "failures": {endpoint: len(queued) for endpoint, queued in self.failures.items()},
            }


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _metadata(count: int = 1) -> dict:
    return {"count": count, "current_page": 1, "total_count": count, "total_pages": 1, "per": 50,
            "previous_page_url": None, "next_page_url": None}  # fmt: skip


def _validation_error(payload: dict) -> str | None:
    """Credly's wording for what it refuses in an issue request (None: acceptable)."""
    required = (
        "recipient_email",
        "issued_to_first_name",
        "issued_to_last_name",
        "badge_template_id",
        "issued_at",
    )
    missing = [name for name in required if not payload.get(name)]
    if missing:
        return f"Validation failed: {', '.join(missing)} can't be blank"
    if not EMAIL.match(str(payload["recipient_email"])):
        return "Validation failed: Recipient email is invalid"
    match = ISSUED_AT.match(str(payload["issued_at"]).strip())
    if not match:
        return "Validation failed: Issued at is not a valid date"
    if datetime.date.fromisoformat(match.group(1)) > datetime.datetime.now(datetime.UTC).date():
        return "Validation failed: Issued at can't be in the future"
    try:
        uuid.UUID(str(payload["badge_template_id"]))
    except ValueError:
        return "Badge template not found"
    return None


def _new_badge(payload: dict) -> dict:
    issued_on = ISSUED_AT.match(str(payload["issued_at"]).strip()).group(1)  # type: ignore[union-attr]
    first, last = payload.get("issued_to_first_name", ""), payload.get("issued_to_last_name", "")
    return {
        "id": str(uuid.uuid4()),
        "state": "pending",
        "issued_at": f"{issued_on}T00:00:00.000Z",
        "issued_at_date": issued_on,
        "issued_to": f"{first} {last}".strip(),
        "issued_to_first_name": first,
        "issued_to_last_name": last,
        "recipient_email": payload["recipient_email"],
        "issuer_earner_id": payload.get("issuer_earner_id"),
        "expires_at": payload.get("expires_at"),
        "expires_at_date": None,
        "created_at": _now(),
        "updated_at": _now(),
        "revoked_at": None,
        "revocation_reason": None,
        "locale": payload.get("locale", "en"),
        "badge_template": {"id": str(payload["badge_template_id"])},
    }


def _matches(badge: dict, filters: dict[str, str]) -> bool:
    for name, wanted in filters.items():
        value = badge["badge_template"]["id"] if name == "badge_template_id" else badge.get(name)
        if str(value) != wanted:
            return False
    return True


def _parse_filter(text: str) -> dict[str, str]:
    """Credly's `filter=name::value|name::value`."""
    filters = {}
    for part in filter(None, text.split("|")):
        name, _, value = part.partition("::")
        filters[name] = value
    return filters


class Handler(BaseHTTPRequestHandler):
    server_version = "CredlyStandIn/1.0"
    protocol_version = "HTTP/1.1"

    @property
    def state(self) -> State:
        return self.server.state  # type: ignore[attr-defined]

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        if getattr(self.server, "verbose", False):
            super().log_message(format, *args)

    # --- plumbing ---------------------------------------------------------------------------------------

    def _body(self) -> dict:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            data = json.loads(raw or b"{}")
        except json.JSONDecodeError:
            return {}
        return data if isinstance(data, dict) else {}

    def _send(self, status: int, body: dict | None, headers: dict | None = None) -> None:
        payload = json.dumps(body).encode() if body is not None else b""
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (its timeout): nothing to answer

    def _error(self, status: int, message: str, headers: dict | None = None) -> None:
        self._send(status, {"data": {"message": message}, "metadata": {}}, headers)

    def _drop(self) -> None:
        """An answer that never comes: close the connection without a status line."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(2)

    def _authorized(self) -> bool:
        header = self.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        try:
            user = base64.b64decode(header[6:]).decode().partition(":")[0]
        except ValueError:
            return False
        return user == self.server.token  # type: ignore[attr-defined]

    def _route(self, method: str):
        """(endpoint, handler, args) for a Credly path, after auth; None when already answered."""
        path = urlsplit(self.path).path.rstrip("/")
        match = re.fullmatch(r"/v1/organizations/([^/]+)/badges(?:/([^/]+))?(/revoke)?", path)
        if not match:
            self._error(HTTPStatus.NOT_FOUND, "Not found")
            return None
        if not self._authorized():
            self._error(HTTPStatus.UNAUTHORIZED, "You must be logged in to access this resource")
            return None
        organization, badge_id, revoke = match.groups()
        if organization != self.server.organization:  # type: ignore[attr-defined]
            self._error(HTTPStatus.NOT_FOUND, "Organization not found")
            return None
        table = {
            ("POST", False, False): ("issue", self._issue),
            ("GET", False, False): ("lookup", self._lookup),
            ("GET", True, False): ("get", self._get),
            ("PUT", True, True): ("revoke", self._revoke),
        }
        found = table.get((method, bool(badge_id), bool(revoke)))
        if not found:
            self._error(HTTPStatus.METHOD_NOT_ALLOWED, "Method not allowed")
            return None
        return found[0], found[1], badge_id

    def _dispatch(self, method: str) -> None:
        if urlsplit(self.path).path.startswith("/_control/"):
            self._control(method)
            return
        route = self._route(method)
        if route is None:
            return
        endpoint, handler, badge_id = route
        failure = self.state.count_and_take_failure(endpoint)
        if failure and self._fail(failure):
            return
        handler(badge_id, lost=bool(failure and failure["mode"] == "lost"))

    def _fail(self, failure: dict) -> bool:
        """Answer as the queued failure says; False when the call must still be done ("lost")."""
        mode = failure["mode"]
        if mode == "timeout":
            self._body()
            time.sleep(float(failure.get("sleep") or 5))
            self._error(HTTPStatus.GATEWAY_TIMEOUT, "Gateway timeout")
        elif mode == "500":
            self._error(HTTPStatus.INTERNAL_SERVER_ERROR, "Internal server error")
        elif mode == "429":
            wait = str(failure.get("retry_after", 1))
            self._error(HTTPStatus.TOO_MANY_REQUESTS, "Rate limit exceeded", {"Retry-After": wait})
        elif mode == "422":
            self._error(HTTPStatus.UNPROCESSABLE_ENTITY, failure.get("message") or "Validation failed")
        else:
            return False
        return True

    do_GET = lambda self: self._dispatch("GET")  # noqa: E731
    do_POST = lambda self: self._dispatch("POST")  # noqa: E731
    do_PUT = lambda self: self._dispatch("PUT")  # noqa: E731

    # --- Credly's endpoints -----------------------------------------------------------------------------

    def _issue(self, _badge_id, *, lost: bool) -> None:
        payload = self._body()
        problem = _validation_error(payload)
        if problem:
            self._error(HTTPStatus.UNPROCESSABLE_ENTITY, problem)
            return
        badge = _new_badge(payload)
        with self.state.lock:
            self.state.badges[badge["id"]] = badge
        if lost:
            self._drop()
            return
        self._send(HTTPStatus.CREATED, {"data": badge, "metadata": {}})

    def _lookup(self, _badge_id, *, lost: bool) -> None:
        query = parse_qs(urlsplit(self.path).query)
        filters = _parse_filter(query.get("filter", [""])[0])
        with self.state.lock:
            found = [badge for badge in self.state.badges.values() if _matches(badge, filters)]
        if lost:
            self._drop()
            return
        self._send(HTTPStatus.OK, {"data": found, "metadata": _metadata(len(found))})

    def _get(self, badge_id, *, lost: bool) -> None:
        with self.state.lock:
            badge = self.state.badges.get(badge_id)
        if badge is None:
            self._error(HTTPStatus.NOT_FOUND, "Badge not found")
        elif lost:
            self._drop()
        else:
            self._send(HTTPStatus.OK, {"data": badge, "metadata": {}})

    def _revoke(self, badge_id, *, lost: bool) -> None:
        payload = self._body()
        if not payload.get("reason"):
            self._error(HTTPStatus.UNPROCESSABLE_ENTITY, "Validation failed: Reason can't be blank")
            return
        with self.state.lock:
            badge = self.state.badges.get(badge_id)
            if badge is not None and badge["state"] != "revoked":  # revoking twice keeps the first
                badge.update(state="revoked", revoked_at=_now(), revocation_reason=payload["reason"],
                             updated_at=_now())  # fmt: skip
        if badge is None:
            self._error(HTTPStatus.NOT_FOUND, "Badge not found")
        elif lost:
            self._drop()
        else:
            self._send(HTTPStatus.OK, {"data": badge, "metadata": {}})

    # --- control API ------------------------------------------------------------------------------------

    def _control(self, method: str) -> None:
        action = urlsplit(self.path).path.removeprefix("/_control/").rstrip("/")
        if method == "GET" and action == "state":
            self._send(HTTPStatus.OK, self.state.snapshot())
        elif method == "POST" and action == "reset":
            self._body()
            self.state.reset()
            self._send(HTTPStatus.OK, {"ok": True})
        elif method == "POST" and action == "fail":
            order = self._body()
            if order.get("endpoint") not in ENDPOINTS or str(order.get("mode")) not in MODES:
                self._error(
                    HTTPStatus.BAD_REQUEST, f"endpoint in {sorted(ENDPOINTS)}, mode in {sorted(MODES)}"
                )
                return
            failure = {**order, "mode": str(order["mode"])}
            with self.state.lock:
                self.state.failures[order["endpoint"]].extend([failure] * int(order.get("times", 1)))
            self._send(HTTPStatus.OK, {"ok": True})
        else:
            self._error(HTTPStatus.NOT_FOUND, "Unknown control action")


def make_server(port: int = 0, *, organization: str = DEFAULT_ORGANIZATION, token: str = DEFAULT_TOKEN,
                verbose: bool = False) -> ThreadingHTTPServer:  # fmt: skip
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.state = State()  # type: ignore[attr-defined]
    server.organization = organization  # type: ignore[attr-defined]
    server.token = token  # type: ignore[attr-defined]
    server.verbose = verbose  # type: ignore[attr-defined]
    return server


def start_in_thread(port: int = 0, **options) -> tuple[str, ThreadingHTTPServer]:
    """Start a stand-in on `port` (0: a free one) in a daemon thread; returns (API base URL, server).
    Stop it with `server.shutdown()`."""
    server = make_server(port, **options)
    threading.Thread(target=server.serve_forever, name="credly-stand-in", daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/v1", server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8430)
    parser.add_argument("--organization", default=DEFAULT_ORGANIZATION)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    args = parser.parse_args()
    server = make_server(args.port, organization=args.organization, token=args.token, verbose=True)
    print(f"Credly stand-in on http://127.0.0.1:{server.server_address[1]}/v1", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()

"""The endpoint the body's learning platform posts completions of its online CE to (DOMAIN.md "CCP points":
"recorded automatically"). Each completion is recorded once, however often it is posted.

Protocol
--------
``POST /api/ccp/completions/`` with ``Content-Type: application/json`` and three headers:

- ``X-Client-Id``: the client's key id (an active ``ApiClient``, created by an administrator);
- ``X-Timestamp``: the current time in whole Unix seconds;
- ``X-Signature``: the lowercase hex HMAC-SHA256, keyed with the client's secret, of the bytes
  ``b"<X-Timestamp>." + <raw body>`` (the timestamp header as sent, a dot, then the body exactly as sent).

The body is one completion, or ``{"completions": [...]}`` with 1 to 500 of them::

    {"member_number": "200001", "course_id": "INF-101", "title": "Infection control update",
     "completed_on": "2026-02-20", "contact_hours": 1.5, "credential": "RMA"}

``credential`` is optional: without it the completion is recorded on each of the member's certifications
that require CCP points and whose open cycle contains the date. ``contact_hours`` is a positive number with
at most two decimals. A completion is identified by member, course id and date.

Answers (JSON):

- 201 ``{"recorded": [{"member_number", "course_id", "activity_ids": [...], "created": true}]}`` in the
  order posted; 200 with the same shape when everything was already recorded (``created`` false).
- 400 ``{"error": "invalid", "detail": ..., "index": i}``: not JSON, not the shape above, or a bad field
  (``index`` is the position of the completion in the batch, 0 for a single one).
- 401 ``{"error": ..., "detail": ...}`` with error ``missing_credentials``, ``unknown_client`` (unknown or
  inactive), ``bad_signature`` or ``stale_timestamp`` (more than 300 seconds from the server's clock,
  either way).
- 404 ``{"error": "member_not_found", ...}``; 422 with error ``certification_not_found`` (no certification
  requiring CCP points, or not the one named), ``outside_cycle`` (the date is in no open cycle) or
  ``under_audit`` (the cycle is locked by an audit); each with ``detail`` and ``index``.
- 405 for any method but POST; 409 ``{"error": "replayed"}`` when the same signed request was already
  accepted; 413 when the body is too large.

A batch is all or nothing: on any error nothing is recorded and the answer names the first failing
completion. A refused request is not remembered, so it may be sent again as it is; an accepted one may not
(sign it again with a new timestamp: it is then recorded once, answered with ``created`` false).
"""

import datetime
import hashlib
import hmac
import json
from decimal import Decimal

from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from ccp.models import ApiClient, ApiNonce
from ccp.services.online import OnlineCompletionError, completion_values, online_completion_record
from core import clock
from core.http_guard import is_storable

WINDOW_SECONDS = 300
MAX_COMPLETIONS = 500
TIMESTAMP_MAX_DIGITS = 12  # Unix seconds have 10 digits until the year 2286
# Other refusals are 422; "configuration" (the online-CE category is missing) is the portal's fault: 503.
STATUS_BY_CODE = {"invalid": 400, "member_not_found": 404, "configuration": 503}


class ApiError(Exception):
    def __init__(self, status: int, error: str, detail: str, index: int | None = None):
        super().__init__(detail)
        self.status = status
        self.payload = {"error": error, "detail": detail} | ({} if index is None else {"index": index})


def _body(request: HttpRequest) -> bytes:
    try:
        return request.body
    except RequestDataTooBig:
        raise ApiError(413, "too_large", "The body is too large: send at most 500 completions.") from None


def _authenticate(request: HttpRequest, body: bytes, now: datetime.datetime) -> tuple[ApiClient, str]:
    """The client and the signature (normalized, so a replay can't slip through by changing its case)."""
    key_id, timestamp, signature = (
        request.headers.get(name, "").strip() for name in ("X-Client-Id", "X-Timestamp", "X-Signature")
    )
    if not (key_id and timestamp and signature):
        raise ApiError(401, "missing_credentials", "Send X-Client-Id, X-Timestamp and X-Signature.")
    client = ApiClient.objects.filter(key_id=key_id, active=True).first() if is_storable(key_id) else None
    if client is None:
        raise ApiError(401, "unknown_client", "Unknown or inactive client.")
    expected = hmac.new(client.secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), signature.lower().encode()):
        raise ApiError(401, "bad_signature", "The signature does not match the body and timestamp.")
    # Whole seconds compared as integers: a timestamp of hundreds of digits is stale, not a float overflow.
    if (
        not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= TIMESTAMP_MAX_DIGITS)
        or abs(int(now.timestamp()) - int(timestamp)) > WINDOW_SECONDS
    ):
        raise ApiError(401, "stale_timestamp", f"The timestamp is more than {WINDOW_SECONDS} seconds off.")
    return client, expected


def _completions(body: bytes) -> list:
    try:
        payload = json.loads(body, parse_float=Decimal)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than the parser's stack
        raise ApiError(400, "invalid", "The body is not JSON.") from None
    if isinstance(payload, dict) and "completions" in payload:
        items = payload["completions"]
        if not isinstance(items, list) or not 1 <= len(items) <= MAX_COMPLETIONS:
            raise ApiError(400, "invalid", f'"completions" must be a list of 1 to {MAX_COMPLETIONS} objects.')
        return items
    if isinstance(payload, dict):
        return [payload]
    raise ApiError(400, "invalid", 'Send one completion object or {"completions": [...]}.')


def _prune_nonces(now: datetime.datetime) -> None:
    """A request is accepted while its timestamp is within the window either side of now, so a signature
    can come back up to two windows after it was first received: nonces are kept that long. Pruned outside
    the request's transaction, so a long batch holds no lock on them."""
    ApiNonce.objects.filter(received_at__lt=now - datetime.timedelta(seconds=2 * WINDOW_SECONDS)).delete()


def _spend_nonce(client: ApiClient, signature: str, now: datetime.datetime) -> None:
    try:
        with transaction.atomic():
            ApiNonce.objects.create(client=client, signature=signature, received_at=now)
    except IntegrityError:
        raise ApiError(409, "replayed", "This signed request was already received.") from None


def _record(item, index: int, today: datetime.date) -> dict:
    if not isinstance(item, dict):
        raise ApiError(400, "invalid", "A completion must be a JSON object.", index)
    try:
        values = completion_values(item)
        activities = online_completion_record(**values, today=today)
    except OnlineCompletionError as error:
        raise ApiError(STATUS_BY_CODE.get(error.code, 422), error.code, error.message, index) from None
    return {
        "member_number": values["member_number"],
        "course_id": values["course_id"],
        "activity_ids": [activity.pk for activity in activities],
        "created": any(activity.created for activity in activities),
    }


@csrf_exempt
def completions(request: HttpRequest) -> JsonResponse:
    """Record completions posted by the learning platform (the protocol is in the module docstring)."""
    if request.method != "POST":
        response = JsonResponse(
            {"error": "method_not_allowed", "detail": "Only POST is accepted."}, status=405
        )
        response["Allow"] = "POST"
        return response
    now, today = clock.now(), clock.today()
    try:
        body = _body(request)
        client, signature = _authenticate(request, body, now)
        items = _completions(body)
        _prune_nonces(now)
        with transaction.atomic():  # the nonce and every completion, or nothing
            _spend_nonce(client, signature, now)
            recorded = [_record(item, index, today) for index, item in enumerate(items)]
    except ApiError as error:
        return JsonResponse(error.payload, status=error.status)
    created = any(entry["created"] for entry in recorded)
    return JsonResponse({"recorded": recorded}, status=201 if created else 200)

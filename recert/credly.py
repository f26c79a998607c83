"""The Credly API client: issue a badge, find a member's badges by issuer_earner_id, revoke one.

Failures come out as two kinds: `CredlyUnavailable` (no answer, a timeout, a 5xx, a 429 with its
Retry-After: retry later) and `CredlyRejected` (any other 4xx: retrying the same request cannot help;
it carries Credly's message for staff). The base URL, organization id, token and timeout are settings
(CREDLY_*), so tests and the demo point at scripts/credly_server.py."""

import datetime
from dataclasses import dataclass

import requests
from django.conf import settings


class CredlyError(Exception):
    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.status = status


class CredlyUnavailable(CredlyError):
    """Worth retrying: `retry_after` is the wait Credly asked for (429), in seconds, when it said."""

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None):
        super().__init__(message, status=status)
        self.retry_after = retry_after


class CredlyRejected(CredlyError):
    """Credly refused the request (4xx other than 429): stored for staff, not retried."""


@dataclass(frozen=True)
class IssueRequest:
    """The fields DOMAIN.md lists for an issue."""

    recipient_email: str
    badge_template_id: str
    issued_on: datetime.date
    first_name: str
    last_name: str
    issuer_earner_id: str

    def payload(self) -> dict:
        return {
            "recipient_email": self.recipient_email,
            "badge_template_id": self.badge_template_id,
            "issued_at": f"{self.issued_on.isoformat()} 00:00:00 +0000",
            "issued_to_first_name": self.first_name,
            "issued_to_last_name": self.last_name,
            "issuer_earner_id": self.issuer_earner_id,
            "suppress_badge_notification_email": False,
        }


def issued_on(badge: dict) -> datetime.date | None:
    """The day of a Credly badge's issued_at (Credly also gives it as issued_at_date)."""
    text = badge.get("issued_at_date") or (badge.get("issued_at") or "")[:10]
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return None


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: rare from APIs; the task's own backoff applies


def _message(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return (response.text or response.reason or "").strip()[:500]
    data = body.get("data") if isinstance(body, dict) else None
    if isinstance(data, dict) and data.get("message"):
        return str(data["message"])
    return str(body)[:500]


def _call(method: str, path: str, **kwargs) -> dict:
    url = f"{settings.CREDLY_API_BASE.rstrip('/')}/organizations/{settings.CREDLY_ORGANIZATION_ID}/{path}"
    try:
        response = requests.request(
            method,
            url,
            auth=(settings.CREDLY_TOKEN, ""),
            timeout=settings.CREDLY_TIMEOUT_SECONDS,
            headers={"Accept": "application/json"},
            **kwargs,
        )
    except requests.Timeout as error:
        raise CredlyUnavailable(f"Credly did not answer in time ({error.__class__.__name__}).") from error
    except requests.RequestException as error:
        raise CredlyUnavailable(f"Credly could not be reached ({error.__class__.__name__}).") from error
    status = response.status_code
    if status == 429:
        raise CredlyUnavailable(
            f"Credly asked to slow down (429): {_message(response)}", status=status,
            retry_after=_retry_after(response),
        )  # fmt: skip
    if status >= 500:
        raise CredlyUnavailable(f"Credly answered {status}: {_message(response)}", status=status)
    if status >= 400:
        raise CredlyRejected(f"Credly refused the request ({status}): {_message(response)}", status=status)
    try:
        return response.json()
    except ValueError as error:
        raise CredlyUnavailable(f"Credly answered {status} without JSON.", status=status) from error


def badge_issue(request: IssueRequest) -> dict:
    """POST organizations/{org}/badges: the issued badge's data."""
    return _call("POST", "badges", json=request.payload())["data"]


def badges_find(*, issuer_earner_id: str) -> list[dict]:
    """The organization's issued badges for one earner (first page: a member has a handful)."""
    params = {"filter": f"issuer_earner_id::{issuer_earner_id}", "per": 100}
    return list(_call("GET", "badges", params=params)["data"])


def badge_revoke(*, credly_id: str, reason: str) -> dict:
    body = {"reason": reason, "suppress_revoke_notification_email": False}
    return _call("PUT", f"badges/{credly_id}/revoke", json=body)["data"]

"""The Credly client against the local stand-in (scripts/credly_server.py): Credly's shapes, auth, and how
each failure is classified (retry later, or refused for good with Credly's message)."""

import datetime

import pytest
import requests

from recert import credly

ISSUE = credly.IssueRequest(
    recipient_email="ana.silva@example.org",
    badge_template_id="5c1b4b4e-6a43-5b7f-9d2b-8f7e2f0f4a11",
    issued_on=datetime.date(2019, 5, 14),
    first_name="Ana",
    last_name="Silva",
    issuer_earner_id="A100200",
)


def test_an_issue_comes_back_in_credlys_shape(stand_in):
    badge = credly_client_issue()
    assert badge["state"] == "pending"
    assert (badge["issued_at_date"], badge["issued_to_first_name"], badge["issued_to_last_name"]) == (
        "2019-05-14", "Ana", "Silva",
    )  # fmt: skip
    assert (badge["recipient_email"], badge["issuer_earner_id"]) == ("ana.silva@example.org", "A100200")
    assert badge["badge_template"]["id"] == ISSUE.badge_template_id
    assert credly.issued_on(badge) == datetime.date(2019, 5, 14)


def credly_client_issue() -> dict:
    return credly.badge_issue(ISSUE)


def test_the_stand_in_never_dedupes_and_the_lookup_filters_by_earner(stand_in):
    first, second = credly_client_issue(), credly_client_issue()
    credly.badge_issue(credly.IssueRequest(**{**ISSUE.__dict__, "issuer_earner_id": "B999"}))
    found = credly.badges_find(issuer_earner_id="A100200")
    assert sorted(b["id"] for b in found) == sorted([first["id"], second["id"]])


def test_a_revoke_keeps_the_reason(stand_in):
    badge = credly_client_issue()
    revoked = credly.badge_revoke(credly_id=badge["id"], reason="The certification became Exam required.")
    assert (revoked["state"], revoked["revocation_reason"]) == (
        "revoked", "The certification became Exam required.",
    )  # fmt: skip
    assert credly.badges_find(issuer_earner_id="A100200")[0]["state"] == "revoked"


def test_a_wrong_token_is_refused_with_401(stand_in, settings):
    settings.CREDLY_TOKEN = "not-the-token"
    with pytest.raises(credly.CredlyRejected) as refused:
        credly_client_issue()
    assert refused.value.status == 401


def test_basic_auth_is_required_as_credly_does(stand_in):
    response = requests.get(f"{stand_in.api_base}/organizations/x/badges", timeout=5)
    assert response.status_code == 401
    assert response.json()["data"]["message"] == "You must be logged in to access this resource"


def test_an_invalid_request_is_refused_with_credlys_message(stand_in):
    with pytest.raises(credly.CredlyRejected) as refused:
        credly.badge_issue(credly.IssueRequest(**{**ISSUE.__dict__, "recipient_email": "not-an-address"}))
    assert (refused.value.status, refused.value.message) == (
        422, "Credly refused the request (422): Validation failed: Recipient email is invalid",
    )  # fmt: skip
    assert stand_in.badges() == []


@pytest.mark.parametrize(
    ("mode", "options", "status"),
    [("500", {}, 500), ("429", {"retry_after": 7}, 429), ("timeout", {"sleep": 2.5}, None)],
)
def test_no_answer_a_5xx_or_a_429_is_worth_retrying(stand_in, settings, mode, options, status):
    settings.CREDLY_TIMEOUT_SECONDS = 0.5
    stand_in.fail("issue", mode, **options)
    with pytest.raises(credly.CredlyUnavailable) as unavailable:
        credly_client_issue()
    assert unavailable.value.status == status
    assert unavailable.value.retry_after == (7.0 if mode == "429" else None)
    assert stand_in.badges() == []
    # the failure was for one call only
    assert credly_client_issue()["issuer_earner_id"] == "A100200"


def test_a_lost_answer_is_worth_retrying_but_the_badge_was_issued(stand_in):
    stand_in.fail("issue", "lost")
    with pytest.raises(credly.CredlyUnavailable):
        credly_client_issue()
    assert [b["issuer_earner_id"] for b in stand_in.badges()] == ["A100200"]


def test_an_unreachable_credly_is_worth_retrying(settings):
    settings.CREDLY_API_BASE = "http://127.0.0.1:9/v1"
    with pytest.raises(credly.CredlyUnavailable, match="could not be reached"):
        credly_client_issue()

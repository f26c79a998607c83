"""The learning platform posts completions of the body's online CE: signed, never replayed, recorded once."""

import datetime
import hashlib
import hmac
import json
import threading
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse

from ccp import seeding as ccp_seeding
from ccp import selectors
from ccp.models import Activity, ActivityCategory, ApiClient, ApiNonce, Cycle
from ccp.services.activities import activity_record
from ccp.services.online import online_completion_record
from tests.factories import MemberFactory, make_certification

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 2, 16, 0, tzinfo=datetime.UTC)
TODAY = datetime.date(2026, 3, 2)  # in Chicago too
URL = "/api/ccp/completions/"
SECRET = "s3cret-shared-with-the-learning-platform"


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def platform(frozen):
    return ApiClient.objects.create(name="Learning platform", key_id="lms", secret=SECRET)


@pytest.fixture
def member(frozen):
    """A member whose RMA cycle runs May 14, 2025 to May 13, 2028."""
    member = MemberFactory(member_number="200001")
    make_certification(member, code="RMA", certified_on=datetime.date(2025, 5, 14))
    return member


def completion(**changes) -> dict:
    return {
        "member_number": "200001",
        "course_id": "INF-101",
        "title": "Infection control update",
        "completed_on": "2026-02-20",
        "contact_hours": 1.5,
    } | changes


def sign(body: bytes, timestamp: str, secret: str = SECRET) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def post(client, payload=None, *, body: bytes | None = None, key_id="lms", seconds_off=0, signature=None):
    """A request signed as the learning platform signs it, at the frozen time (moved by `seconds_off`)."""
    body = json.dumps(payload).encode() if body is None else body
    timestamp = str(int(NOW.timestamp()) + seconds_off)
    headers = {
        "X-Client-Id": key_id,
        "X-Timestamp": timestamp,
        "X-Signature": signature or sign(body, timestamp),
    }
    return client.post(URL, data=body, content_type="application/json", headers=headers)


def test_the_route_is_named():
    assert reverse("ccp:api_completions") == URL


def test_a_signed_completion_is_recorded_as_professional_education_and_counts(client, platform, member):
    # When the platform posts a signed completion
    response = post(client, completion())

    # Then it is recorded once on the member's RMA, as the body's own CE, and its hours count in the cycle
    assert response.status_code == 201
    activity = Activity.objects.get()
    assert response.json() == {
        "recorded": [
            {
                "member_number": "200001",
                "course_id": "INF-101",
                "activity_ids": [activity.pk],
                "created": True,
            }
        ]
    }
    assert (activity.certification.credential.code, activity.category.code) == (
        "RMA",
        "professional-education",
    )
    assert (activity.title, activity.provider, activity.completed_on, activity.quantity) == (
        "Infection control update",
        "AMT online CE",
        datetime.date(2026, 2, 20),
        Decimal("1.50"),
    )
    assert (activity.source, activity.external_id) == ("online", "INF-101:2026-02-20")
    assert (activity.helps_job, activity.advances_knowledge, activity.recorded_by) == (True, True, None)
    cycle = Cycle.objects.get(certification=activity.certification, state="open")
    result, _ = selectors.cycle_compliance(cycle, today=TODAY)
    assert result.counted == Decimal("1.50")


def test_a_bad_signature_is_refused_and_nothing_is_written(client, platform, member):
    response = post(client, completion(), signature=sign(b"another body", str(int(NOW.timestamp()))))

    assert response.status_code == 401
    assert response.json()["error"] == "bad_signature"
    assert not Activity.objects.exists()
    assert not ApiNonce.objects.exists()


def test_a_signature_made_with_another_secret_is_refused(client, platform, member):
    body = json.dumps(completion()).encode()
    timestamp = str(int(NOW.timestamp()))
    response = post(client, body=body, signature=sign(body, timestamp, secret="guessed"))

    assert response.status_code == 401
    assert response.json()["error"] == "bad_signature"
    assert not Activity.objects.exists()


@pytest.mark.parametrize(
    ("key_id", "active", "headers", "error"),
    [
        ("nobody", True, None, "unknown_client"),
        ("lms", False, None, "unknown_client"),
        ("lms", True, {"X-Client-Id": "lms", "X-Timestamp": "1772467200"}, "missing_credentials"),
    ],
    ids=["unknown", "inactive", "no-signature"],
)
def test_a_request_from_no_known_active_client_is_refused(
    client, platform, member, key_id, active, headers, error
):
    ApiClient.objects.filter(pk=platform.pk).update(active=active)
    if headers:
        response = client.post(URL, data=completion(), content_type="application/json", headers=headers)
    else:
        response = post(client, completion(), key_id=key_id)

    assert response.status_code == 401
    assert response.json()["error"] == error
    assert not Activity.objects.exists()


@pytest.mark.parametrize(("seconds_off", "status"), [(-301, 401), (301, 401), (-300, 201), (300, 201)])
def test_a_timestamp_more_than_five_minutes_off_is_stale(client, platform, member, seconds_off, status):
    response = post(client, completion(), seconds_off=seconds_off)

    assert response.status_code == status
    if status == 401:
        assert response.json()["error"] == "stale_timestamp"
        assert not Activity.objects.exists()


def test_a_replayed_request_is_refused_even_with_its_signature_in_capitals(client, platform, member):
    body = json.dumps(completion()).encode()
    signature = sign(body, str(int(NOW.timestamp())))
    assert post(client, body=body, signature=signature).status_code == 201

    again = post(client, body=body, signature=signature)
    shouted = post(client, body=body, signature=signature.upper())

    assert (again.status_code, again.json()["error"]) == (409, "replayed")
    assert (shouted.status_code, shouted.json()["error"]) == (409, "replayed")
    assert Activity.objects.count() == 1


def test_the_same_completion_posted_twice_is_recorded_once(client, platform, member):
    # Given a completion already posted
    first = post(client, completion())

    # When the platform posts it again in a new, validly signed request
    second = post(client, completion(), seconds_off=-5)

    # Then the second answer points at the same activity and says nothing new was recorded
    assert first.status_code == 201
    assert second.status_code == 200
    assert second.json()["recorded"][0]["created"] is False
    assert second.json()["recorded"][0]["activity_ids"] == first.json()["recorded"][0]["activity_ids"]
    assert Activity.objects.count() == 1


def test_a_completion_the_member_recorded_by_hand_is_not_counted_twice(client, platform, member):
    # Given the member recorded the same course, date and hours themselves
    certification = member.certifications.get()
    own = activity_record(
        certification=certification,
        today=TODAY,
        recorded_by=member.user,
        category=ActivityCategory.objects.get(code="professional-education"),
        title="infection control update",
        completed_on=datetime.date(2026, 2, 20),
        quantity=Decimal("1.5"),
        helps_job=True,
    )

    response = post(client, completion())

    assert response.status_code == 200
    assert response.json()["recorded"][0] == {
        "member_number": "200001",
        "course_id": "INF-101",
        "activity_ids": [own.pk],
        "created": False,
    }
    assert Activity.objects.count() == 1


def test_an_unknown_member_gets_a_404_naming_the_problem(client, platform, member):
    response = post(client, completion(member_number="999999"))

    assert response.status_code == 404
    assert response.json() == {
        "error": "member_not_found",
        "detail": "There is no member number 999999.",
        "index": 0,
    }


def test_a_date_outside_any_open_cycle_gets_a_422(client, platform, member):
    response = post(client, completion(completed_on="2025-05-13"))  # the day before the certification

    assert response.status_code == 422
    assert response.json() == {
        "error": "outside_cycle",
        "detail": "May 13, 2025 is in no open CCP cycle of member 200001 "
        "(RMA: open cycle May 14, 2025 to May 13, 2028).",
        "index": 0,
    }
    assert not Activity.objects.exists()


def test_a_member_without_a_ccp_certification_gets_a_422(client, platform, frozen):
    exempt = MemberFactory(member_number="200002")
    make_certification(exempt, code="RMA", certified_on=datetime.date(2004, 6, 1))

    response = post(client, completion(member_number="200002"))
    named = post(client, completion(member_number="200002", credential="MT"), seconds_off=-1)

    assert (response.status_code, response.json()["error"]) == (422, "certification_not_found")
    assert response.json()["detail"] == "Member 200002 holds no certification that requires CCP points."
    assert (named.status_code, named.json()["detail"]) == (422, "Member 200002 holds no MT certification.")


def test_a_cycle_under_audit_gets_a_422(client, platform, member):
    post(client, completion(course_id="OPEN-1", title="Opening course"), seconds_off=-1)  # opens the cycle
    Cycle.objects.filter(state="open").update(under_audit=True)

    response = post(client, completion())

    assert (response.status_code, response.json()["error"]) == (422, "under_audit")
    assert Activity.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b"{not json", "The body is not JSON."),
        (b"[1, 2]", 'Send one completion object or {"completions": [...]}.'),
        (b'{"completions": []}', '"completions" must be a list of 1 to 500 objects.'),
    ],
    ids=["not-json", "a-list", "empty-batch"],
)
def test_a_body_that_is_not_completions_gets_a_400(client, platform, member, body, detail):
    response = post(client, body=body)

    assert response.status_code == 400
    assert response.json() == {"error": "invalid", "detail": detail}


@pytest.mark.parametrize(
    ("changes", "detail"),
    [
        ({"contact_hours": "many"}, "contact_hours 'many' is not a number."),
        ({"contact_hours": 0}, "contact_hours must be a positive number, not 0."),
        ({"contact_hours": 1.255}, "contact_hours 1.255 has more than two decimal places."),
        ({"completed_on": "20/02/2026"}, "completed_on '20/02/2026' is not a date (YYYY-MM-DD)."),
        ({"completed_on": "2026-03-03"}, "completed_on 2026-03-03 is in the future."),
        ({"title": "  "}, "title is missing."),
        ({"course_id": "X" * 101}, "course_id must be 1 to 100 characters."),
    ],
    ids=["hours-text", "hours-zero", "hours-decimals", "date-format", "future", "no-title", "long-course"],
)
def test_a_bad_field_gets_a_400_naming_it(client, platform, member, changes, detail):
    response = post(client, completion(**changes))

    assert response.status_code == 400
    assert response.json() == {"error": "invalid", "detail": detail, "index": 0}
    assert not Activity.objects.exists()


def test_a_batch_with_one_bad_completion_records_nothing(client, platform, member):
    batch = {
        "completions": [completion(), completion(course_id="INF-102", member_number="999999"), completion()]
    }

    response = post(client, batch)

    assert response.status_code == 404
    assert response.json()["index"] == 1
    assert not Activity.objects.exists()
    assert not ApiNonce.objects.exists()  # so the platform may send the corrected batch


def test_a_good_batch_records_each_completion_once(client, platform, member):
    batch = {
        "completions": [
            completion(),
            completion(course_id="INF-102", title="Hand hygiene", contact_hours=2),
            completion(),
        ]
    }

    response = post(client, batch)

    assert response.status_code == 201
    assert [entry["created"] for entry in response.json()["recorded"]] == [True, True, False]
    assert sorted(Activity.objects.values_list("external_id", flat=True)) == [
        "INF-101:2026-02-20",
        "INF-102:2026-02-20",
    ]


def test_a_batch_of_more_than_500_is_refused(client, platform, member):
    response = post(client, {"completions": [completion(course_id=f"C{n}") for n in range(501)]})

    assert response.status_code == 400
    assert not Activity.objects.exists()


def test_only_post_is_accepted(client, platform):
    response = client.get(URL)

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert response.json()["error"] == "method_not_allowed"


def test_a_member_with_two_ccp_certifications_gets_the_completion_on_both_or_on_the_one_named(
    client, platform, member
):
    make_certification(member, code="MT", certified_on=datetime.date(2025, 9, 1))

    both = post(client, completion())
    named = post(client, completion(course_id="LAB-7", title="Lab safety", credential="mt"), seconds_off=-1)

    assert both.status_code == named.status_code == 201
    assert len(both.json()["recorded"][0]["activity_ids"]) == 2
    assert sorted(
        Activity.objects.values_list("certification__credential__code", "external_id").order_by("pk")
    ) == [("MT", "INF-101:2026-02-20"), ("MT", "LAB-7:2026-02-20"), ("RMA", "INF-101:2026-02-20")]


def test_a_completion_only_in_one_certifications_cycle_goes_on_that_one(client, platform, member):
    make_certification(member, code="MT", certified_on=datetime.date(2025, 9, 1))

    response = post(client, completion(completed_on="2025-06-01"))  # before the MT certification

    assert response.status_code == 201
    assert list(Activity.objects.values_list("certification__credential__code", flat=True)) == ["RMA"]


def test_old_nonces_are_pruned(client, platform, member):
    ApiNonce.objects.create(
        client=platform, signature="a" * 64, received_at=NOW - datetime.timedelta(minutes=11)
    )
    ApiNonce.objects.create(
        client=platform, signature="b" * 64, received_at=NOW - datetime.timedelta(minutes=9)
    )

    post(client, completion())

    kept = set(ApiNonce.objects.values_list("signature", flat=True))
    assert "a" * 64 not in kept  # older than two windows: no request signed with it can still be accepted
    assert "b" * 64 in kept
    assert len(kept) == 2


@pytest.fixture
def ccp_seeded(seeded):
    """Transactional tests lose the data-migration rows: the categories too."""
    ccp_seeding.seed_categories(apps)


@pytest.mark.django_db(transaction=True)
def test_the_same_completion_recorded_at_once_by_two_requests_is_recorded_once(ccp_seeded, member):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: row locks and two connections at once")
    barrier, results, errors = threading.Barrier(2), [], []

    def record():
        try:
            barrier.wait()
            activities = online_completion_record(
                member_number="200001",
                course_id="INF-101",
                title="Infection control update",
                completed_on=datetime.date(2026, 2, 20),
                contact_hours=Decimal("1.5"),
                today=TODAY,
            )
            results.append([(activity.pk, activity.created) for activity in activities])
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=record) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert Activity.objects.count() == 1
    assert sorted(created for [(_, created)] in results) == [False, True]


# --- Hostile input (issue 12): each a 4xx with a JSON error, nothing written --------------------------


def test_a_signed_timestamp_of_400_digits_is_stale(client, platform, member):
    body = json.dumps(completion()).encode()
    timestamp = "9" * 400
    headers = {"X-Client-Id": "lms", "X-Timestamp": timestamp, "X-Signature": sign(body, timestamp)}

    response = client.post(URL, data=body, content_type="application/json", headers=headers)

    assert response.status_code == 401
    assert response.json()["error"] == "stale_timestamp"
    assert not Activity.objects.exists()
    assert not ApiNonce.objects.exists()


def test_a_body_nested_100000_deep_is_not_json(client, platform, member):
    response = post(client, body=b"[" * 100_000 + b"]" * 100_000)

    assert response.status_code == 400
    assert response.json() == {"error": "invalid", "detail": "The body is not JSON."}
    assert not ApiNonce.objects.exists()


@pytest.mark.parametrize("field", ["member_number", "course_id", "title", "completed_on", "credential"])
@pytest.mark.parametrize("text", ["INF\x00101", "INF\ud800101"], ids=["nul", "lone-surrogate"])
def test_a_nul_or_a_lone_surrogate_in_a_field_gets_a_400_naming_it(client, platform, member, field, text):
    # json.dumps sends both escaped (\u0000, \ud800), as a client would: valid JSON, unstorable text
    response = post(client, completion(**{field: text}))

    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid",
        "detail": f"{field} contains characters that are not allowed (NUL or invalid Unicode).",
        "index": 0,
    }
    assert not Activity.objects.exists()
    assert not ApiNonce.objects.exists()


def test_a_nul_in_the_client_id_is_an_unknown_client(client, platform, member):
    response = post(client, completion(), key_id="lms\x00")

    assert response.status_code == 401
    assert response.json()["error"] == "unknown_client"

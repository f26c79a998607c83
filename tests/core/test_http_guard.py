"""NUL and lone surrogates in an address are the client's 400, answered before any query (issue 12): they
used to reach PostgreSQL ("A string literal cannot contain NUL characters") and answer 500."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.http_guard import is_storable, json_depth, json_is_storable
from tests.factories import MemberFactory, make_staff

pytestmark = pytest.mark.django_db

PUBLIC_PROBES = ["/check-status/abc%00def/", "/check-status/abc%00def/qr.svg", "/check-status/?q=%00"]


@pytest.mark.parametrize("path", PUBLIC_PROBES)
def test_a_nul_in_a_public_address_is_400_without_a_query(client, path):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)

    assert response.status_code == 400
    assert len(queries) == 0


def test_a_nul_in_an_invoice_number_is_400(client):
    client.force_login(MemberFactory().user)

    assert client.get("/invoices/AB%00CD/").status_code == 400
    assert client.get("/invoices/AB%00CD/invoice.pdf").status_code == 400


def test_a_nul_in_a_member_number_on_the_staff_pages_is_400(client):
    client.force_login(make_staff("Billing staff"))

    assert client.get("/staff/members/D%0000002/").status_code == 400
    assert client.get("/staff/members/?q=D%0000002").status_code == 400


def test_a_nul_in_an_api_address_is_a_json_400(client):
    response = client.post("/api/ccp/completions/?x=%00", data=b"{}", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid"


def test_an_address_with_invalid_utf8_is_looked_up_as_text_and_not_found(client):
    # A lone surrogate as a client sends it (CESU bytes %ED%A0%80) is not UTF-8: Django keeps it
    # percent-encoded, so the lookup finds nothing rather than failing.
    assert client.get("/check-status/abc%ED%A0%80/").status_code == 404


def test_storable_text_and_json():
    assert is_storable("Lee O'Brien, 200001 ✓")
    assert not is_storable("a\x00b")
    assert not is_storable("a\ud800b")
    assert json_is_storable({"a": [1, {"b": "ok"}]})
    assert not json_is_storable({"a": [1, {"b\x00": "ok"}]})
    assert not json_is_storable([[["\udfff"]]])
    deep: list = []
    for _ in range(100_000):  # far deeper than the interpreter's recursion limit
        deep = [deep]
    assert json_depth(deep) == 100_000
    assert json_is_storable(deep)

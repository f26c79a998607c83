"""The status lists: the bits each certification event gets (ended -> revoked; Lapsed -> suspended; Active
again -> valid), their W3C encoding, and re-signing only when a bit changed."""

import datetime
import hashlib
import json

import pytest
import time_machine
from joserfc import jws

from recert.credentials import keys, status_lists
from recert.credentials.status_lists import credential_status, status_lists_refresh
from recert.models import Badge, StatusList
from recert.services import badge_record
from tests.recert.credential_fixtures import TODAY, active_certification, lapse, pay

pytestmark = pytest.mark.django_db


def _event(certification, today=TODAY):
    return badge_record(certification=certification, today=today, source="test")


def _bits(purpose: str) -> tuple[bytes, dict]:
    token = StatusList.objects.get(purpose=purpose).credential_jwt
    claims = json.loads(jws.deserialize_compact(token, keys.signing_key(), algorithms=["EdDSA"]).payload)
    return status_lists.decode_list(claims["vc"]["credentialSubject"]["encodedList"]), claims


def _is_set(purpose: str, badge: Badge) -> bool:
    return status_lists.bit_is_set(_bits(purpose)[0], badge.pk)


def test_encoding_is_gzip_base64url_multibase_with_index_zero_leftmost():
    bits = status_lists.bitstring([0, 9, 131_071], status_lists.MIN_LENGTH)

    encoded = status_lists.encode_list(bits)

    assert encoded.startswith("u") and "=" not in encoded
    assert bits[0] == 0x80 and bits[1] == 0x40 and bits[-1] == 0x01
    assert status_lists.decode_list(encoded) == bits
    assert [i for i in range(16) if status_lists.bit_is_set(bits, i)] == [0, 9]


def test_lists_are_at_least_131072_entries_and_grow_in_steps():
    assert status_lists.list_length(None) == 131_072
    assert status_lists.list_length(131_071) == 131_072
    assert status_lists.list_length(131_072) == 262_144


def test_first_refresh_creates_both_signed_lists():
    event = _event(active_certification())

    assert status_lists_refresh() == 2

    bits, claims = _bits("suspension")
    assert len(bits) * 8 == 131_072 and not status_lists.bit_is_set(bits, event.pk)
    credential = claims["vc"]
    assert credential["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert credential["credentialSubject"]["statusPurpose"] == "suspension"
    assert credential["id"] == claims["jti"] == "http://127.0.0.1:8000/credentials/status/suspension"
    row = StatusList.objects.get(purpose="suspension")
    assert row.digest == hashlib.sha256(bits).hexdigest() and row.set_bits == 0


def test_a_lapse_suspends_and_paying_again_makes_it_valid_on_the_same_event():
    certification = active_certification()
    event = _event(certification)
    status_lists_refresh()

    certification, lapsed_on = lapse(certification)
    status_lists_refresh()

    assert _is_set("suspension", event) and not _is_set("revocation", event)
    assert credential_status(Badge.objects.get(pk=event.pk)).label == "suspended"
    assert "Lapsed (fees)" in credential_status(Badge.objects.get(pk=event.pk)).reason

    pay(certification, lapsed_on + datetime.timedelta(days=3))
    status_lists_refresh()

    assert not _is_set("suspension", event)
    assert credential_status(Badge.objects.get(pk=event.pk)).label == "valid"


def test_an_ended_event_is_revoked_in_both_lists_for_good():
    certification = active_certification()
    event = _event(certification)
    Badge.objects.filter(pk=event.pk).update(
        ended_on=TODAY, end_reason="The certification became Must recertify."
    )

    status_lists_refresh()

    assert _is_set("revocation", event) and _is_set("suspension", event)
    status = credential_status(Badge.objects.get(pk=event.pk))
    assert status.label == "revoked" and "Must recertify" in status.reason


def test_an_event_replaced_by_a_reinstatement_is_revoked_even_before_the_badge_job_ends_it():
    certification = active_certification()
    event = _event(certification)
    Badge.objects.filter(pk=event.pk).update(anchor_date=datetime.date(2020, 1, 2))

    status_lists_refresh()

    assert _is_set("revocation", event)
    assert credential_status(Badge.objects.get(pk=event.pk)).label == "revoked"


def test_nothing_changed_nothing_re_signed():
    _event(active_certification())
    status_lists_refresh()
    signed = dict(StatusList.objects.values_list("purpose", "credential_jwt"))

    with time_machine.travel(datetime.datetime(2026, 12, 1, 12, tzinfo=datetime.UTC)):
        assert status_lists_refresh() == 0

    assert dict(StatusList.objects.values_list("purpose", "credential_jwt")) == signed


def test_a_change_re_signs_only_the_list_whose_bits_changed():
    certification = active_certification()
    _event(certification)
    status_lists_refresh()

    lapse(certification)

    assert status_lists_refresh() == 1
    assert StatusList.objects.get(purpose="suspension").set_bits == 1
    assert StatusList.objects.get(purpose="revocation").set_bits == 0


def test_the_bits_are_selected_in_sql_not_by_loading_every_event(django_assert_num_queries):
    for _ in range(5):
        _event(active_certification())
    status_lists_refresh()

    # per list: lock the row, the highest index, the set bits; then the writes of a changed list (none here)
    with django_assert_num_queries(3 * 2 + 4):
        assert status_lists_refresh() == 0

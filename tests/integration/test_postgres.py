"""Checks that hold only on PostgreSQL: row locks between concurrent jobs, the named unique constraints."""

import datetime
import threading
import time

import pytest
from django.db import IntegrityError, connection, connections, transaction

from members import services
from members.models import Certification, Notice, StatusChange
from tests.factories import MemberFactory, credential, make_certification

pytestmark = pytest.mark.integration

RUN_ON = datetime.date(2024, 6, 15)
CERTIFIED_ON = datetime.date(2019, 5, 14)
CREATED_ON = datetime.date(2024, 5, 20)
LOCK_WAIT_TIMEOUT = 20  # seconds


def test_the_suite_runs_on_postgresql(require_postgres, db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database(), current_setting('server_version_num')::int")
        name, version = cursor.fetchone()
    assert connection.vendor == "postgresql"
    assert name == connection.settings_dict["NAME"]
    assert name.startswith("test_")
    assert version >= 120000


def _backends_waiting_for_locks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # else a transaction sees one snapshot only
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_daily_runs_write_each_change_once(require_postgres, seeded):
    """Both runs read the ids, then queue on the row locks; the later one sees the first one's statuses."""
    paid_through = {
        "lapsed": datetime.date(2024, 4, 30),
        "must_recertify": datetime.date(2021, 4, 30),
        "active": datetime.date(2025, 4, 30),
    }
    expected = {}
    for status, through in paid_through.items():
        for code in ("RMA", "MT", "RPT"):
            certification = make_certification(
                code=code,
                certified_on=CERTIFIED_ON,
                paid_through=through,
                today=CREATED_ON if status != "must_recertify" else datetime.date(2021, 5, 20),
            )
            assert certification.status == "active"
            expected[certification.pk] = status
    changing = {pk for pk, status in expected.items() if status != "active"}
    history_before = set(StatusChange.objects.values_list("pk", flat=True))

    barrier = threading.Barrier(2, timeout=LOCK_WAIT_TIMEOUT)
    results: list[int] = []
    errors: list[BaseException] = []

    def daily_run():
        try:
            barrier.wait()
            results.append(
                services.certifications_refresh_statuses(today=RUN_ON, chunk_size=2, source="concurrent run")
            )
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=daily_run, daemon=True) for _ in range(2)]
    # Hold every certification row so both runs are inside the job, blocked, before either can write.
    with transaction.atomic():
        list(Certification.objects.select_for_update().order_by("pk"))
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + LOCK_WAIT_TIMEOUT
        while (waiting := _backends_waiting_for_locks()) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    for thread in threads:
        thread.join(LOCK_WAIT_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a concurrent run did not finish"
    assert errors == []
    assert waiting == 2, "the two runs never both waited for the row locks"
    assert sum(results) == len(changing) == 6
    new_rows = StatusChange.objects.exclude(pk__in=history_before)
    assert sorted(new_rows.values_list("certification_id", flat=True)) == sorted(changing)
    assert dict(Certification.objects.values_list("pk", "status")) == expected
    assert {c.lapse_date for c in Certification.objects.filter(pk__in=changing)} == {
        datetime.date(2024, 6, 1),  # Lapsed
        datetime.date(2021, 6, 1),  # Must recertify
    }


def test_one_certification_per_member_and_credential(require_postgres, seeded):
    certification = make_certification(certified_on=CERTIFIED_ON, today=CREATED_ON)
    with pytest.raises(IntegrityError, match="one_certification_per_credential"), transaction.atomic():
        Certification.objects.create(
            member=certification.member,
            credential=certification.credential,
            certified_on=CERTIFIED_ON,
            paid_through=certification.paid_through,
        )
    # Another credential of the same member is allowed.
    Certification.objects.create(
        member=certification.member,
        credential=credential("MT"),
        certified_on=CERTIFIED_ON,
        paid_through=certification.paid_through,
    )
    assert certification.member.certifications.count() == 2


def test_one_notice_per_member_kind_key_and_channel(require_postgres, seeded):
    member = MemberFactory()
    fields = {
        "member": member,
        "kind": "renewal_reminder",
        "key": "2024-05",
        "subject": "Renew",
        "body_text": ".",
    }
    Notice.objects.create(channel=Notice.Channel.EMAIL, **fields)
    with pytest.raises(IntegrityError, match="one_notice_per_key"), transaction.atomic():
        Notice.objects.create(channel=Notice.Channel.EMAIL, **fields)
    # The same notice by post is a different row.
    Notice.objects.create(channel=Notice.Channel.LETTER, **fields)
    assert member.notices.count() == 2

"""Completions of the body's online CE imported from CSV: every row or none, each completion recorded once."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from ccp.models import Activity
from ccp.services.online import OnlineCompletionError, online_completion_record
from ccp.services.online_import import online_completions_import_csv
from core.csv_import import ImportFailed
from tests.factories import MemberFactory, make_certification

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 2, 16, 0, tzinfo=datetime.UTC)
TODAY = datetime.date(2026, 3, 2)
HEADER = "member_number,course_id,title,completed_on,contact_hours,credential\n"
GOOD_FILE = HEADER + (
    "200001,INF-101,Infection control update,2026-02-20,1.5,\n"
    "200001,LAB-7,Lab safety,2026-01-10,2,MT\n"
    "200002,INF-101,Infection control update,2025-12-01,1,\n"
)


@pytest.fixture
def members(time_machine):
    """200001 holds RMA (cycle from May 14, 2025) and MT (from Sep 1, 2025); 200002 holds RMA (from 2024)."""
    time_machine.move_to(NOW, tick=False)
    ann = MemberFactory(member_number="200001")
    make_certification(ann, code="RMA", certified_on=datetime.date(2025, 5, 14))
    make_certification(ann, code="MT", certified_on=datetime.date(2025, 9, 1))
    bo = MemberFactory(member_number="200002")
    make_certification(
        bo, code="RMA", certified_on=datetime.date(2024, 6, 3), paid_through=datetime.date(2026, 5, 31)
    )


def recorded() -> list[tuple[str, str, str, Decimal]]:
    return list(
        Activity.objects.order_by(
            "certification__member__member_number", "external_id", "certification__credential__code"
        ).values_list(
            "certification__member__member_number",
            "certification__credential__code",
            "external_id",
            "quantity",
        )
    )


def test_a_good_file_records_every_completion_as_online_ce(members):
    report = online_completions_import_csv(text=GOOD_FILE, today=TODAY)

    assert report.recorded == [
        "200001 INF-101 2026-02-20",
        "200001 LAB-7 2026-01-10",
        "200002 INF-101 2025-12-01",
    ]
    assert report.already_recorded == []
    assert str(report) == "Recorded 3 completion(s) as 4 activity(ies); 0 already recorded."
    assert recorded() == [
        ("200001", "MT", "INF-101:2026-02-20", Decimal("1.50")),
        ("200001", "RMA", "INF-101:2026-02-20", Decimal("1.50")),
        ("200001", "MT", "LAB-7:2026-01-10", Decimal("2.00")),
        ("200002", "RMA", "INF-101:2025-12-01", Decimal("1.00")),
    ]
    assert set(Activity.objects.values_list("source", "provider", "category__code")) == {
        ("online", "AMT online CE", "professional-education")
    }


def test_importing_the_same_file_again_records_nothing_new(members):
    online_completions_import_csv(text=GOOD_FILE, today=TODAY)
    before = recorded()

    report = online_completions_import_csv(text=GOOD_FILE, today=TODAY)

    assert report.recorded == []
    assert len(report.already_recorded) == 3
    assert str(report) == "Recorded 0 completion(s) as 0 activity(ies); 3 already recorded."
    assert recorded() == before


def test_a_completion_posted_by_the_platform_is_not_imported_again(members):
    online_completion_record(
        member_number="200002",
        course_id="INF-101",
        title="Infection control update",
        completed_on=datetime.date(2025, 12, 1),
        contact_hours=Decimal("1"),
        today=TODAY,
    )

    report = online_completions_import_csv(text=GOOD_FILE, today=TODAY)

    assert report.already_recorded == ["200002 INF-101 2025-12-01"]
    assert Activity.objects.count() == 4


def test_a_file_with_bad_rows_reports_each_with_its_line_and_records_nothing(members):
    text = GOOD_FILE + (
        "999999,INF-101,Infection control update,2026-02-20,1,\n"
        "200001,INF-102,Hand hygiene,2026-02-30,1,\n"
        "200002,INF-103,Sharps,2024-01-05,1,\n"
        "200001,INF-104,Charting,2026-02-01,-1,\n"
        "200001,INF-105,Charting,2026-02-01,1,CMAS\n"
    )

    with pytest.raises(ImportFailed) as failure:
        online_completions_import_csv(text=text, today=TODAY)

    assert failure.value.errors == [
        (5, "There is no member number 999999."),
        (6, "completed_on '2026-02-30' is not a date (YYYY-MM-DD)."),
        (
            7,
            "January 5, 2024 is in no open CCP cycle of member 200002 "
            "(RMA: open cycle June 3, 2024 to June 2, 2027).",
        ),
        (8, "contact_hours must be a positive number, not -1."),
        (9, "Member 200001 holds no CMAS certification."),
    ]
    assert not Activity.objects.exists()


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (
            "member_number,title,completed_on\n",
            (1, "the header lacks the column(s) course_id, contact_hours"),
        ),
        (HEADER, (1, "the file has no rows")),
    ],
    ids=["header", "empty"],
)
def test_a_file_that_cannot_be_imported_says_why(members, text, error):
    with pytest.raises(ImportFailed) as failure:
        online_completions_import_csv(text=text, today=TODAY)

    assert failure.value.errors == [error]


def test_a_member_without_an_open_cycle_gets_outside_cycle(members, time_machine):
    # Given a certification that is no longer active (fees unpaid for years: no open cycle)
    lapsed = MemberFactory(member_number="200003")
    make_certification(lapsed, code="RMA", certified_on=datetime.date(2015, 4, 2))

    with pytest.raises(OnlineCompletionError) as error:
        online_completion_record(
            member_number="200003",
            course_id="INF-101",
            title="Infection control update",
            completed_on=datetime.date(2026, 2, 20),
            contact_hours=Decimal("1"),
            today=TODAY,
        )

    assert error.value.code == "outside_cycle"
    assert "RMA: no open cycle (the certification is not active)" in error.value.message


def test_the_import_command_prints_a_summary(members, tmp_path):
    path = tmp_path / "completions.csv"
    path.write_text(GOOD_FILE, encoding="utf-8-sig")

    out = io.StringIO()
    call_command("import_online_completions", str(path), stdout=out)

    assert out.getvalue() == "Recorded 3 completion(s) as 4 activity(ies); 0 already recorded.\n"
    assert Activity.objects.count() == 4


def test_the_import_command_lists_bad_lines_and_imports_nothing(members, tmp_path):
    path = tmp_path / "completions.csv"
    path.write_text(GOOD_FILE + "200001,INF-102,Hand hygiene,2026-02-20,,\n", encoding="utf-8")

    err = io.StringIO()
    with pytest.raises(CommandError, match=r"1 row\(s\) with errors; nothing was imported."):
        call_command("import_online_completions", str(path), stderr=err)

    assert err.getvalue() == "line 5: contact_hours is missing.\n"
    assert not Activity.objects.exists()


def test_the_import_command_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_online_completions", str(tmp_path / "missing.csv"))

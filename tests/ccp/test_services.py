"""Services of the CCP app: recording claims and their errors, periods, locking, documents, attestation,
compliance reported to the members app, opening cycles, atomicity."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfWriter

from ccp import selectors, services
from ccp.models import (
    Activity,
    ActivityCategory,
    ActivityChange,
    ActivityDocument,
    Attestation,
    CcpPolicy,
    Cycle,
)
from tests.factories import MemberFactory, make_certification

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 2)
CERTIFIED_ON = datetime.date(2025, 5, 14)  # cycle 0: May 14, 2025 .. May 13, 2028
CYCLE_END = datetime.date(2028, 5, 13)


def move_to(time_machine, day: datetime.date) -> datetime.date:
    time_machine.move_to(datetime.datetime.combine(day, datetime.time(10), tzinfo=datetime.UTC), tick=False)
    return day


@pytest.fixture
def today(time_machine):
    return move_to(time_machine, TODAY)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def ann_lee(**kwargs):
    """Ann Lee's RMA certification (certified May 14, 2025 unless told otherwise)."""
    member = MemberFactory(first_name="Ann", last_name="Lee")
    kwargs.setdefault("certified_on", CERTIFIED_ON)
    return make_certification(member, **kwargs)


def record(certification, code="professional-education", *, today=TODAY, **fields) -> Activity:
    """A claim with sensible defaults: a 2-hour course completed Sep 10, 2025 that helps the job."""
    category = ActivityCategory.objects.get(code=code)
    defaults = {"title": "Infection control update", "helps_job": True}
    if not category.is_period:
        defaults |= {"completed_on": datetime.date(2025, 9, 10), "quantity": Decimal("2")}
    return services.activity_record(
        certification=certification,
        today=today,
        recorded_by=certification.member.user,
        category=category,
        **(defaults | fields),
    )


def refused(call, *args, **kwargs) -> list[str]:
    """The member-readable messages of the ValidationError a service raises."""
    with pytest.raises(ValidationError) as error:
        call(*args, **kwargs)
    return error.value.messages


def open_cycle(certification, today: datetime.date = TODAY) -> Cycle:
    return services.cycle_open_current(certification=certification, today=today)


def counted(certification, today) -> Decimal:
    result, _ = selectors.cycle_compliance(open_cycle(certification, today), today=today)
    return result.counted


# --- activity_record: each refusal with its message ------------------------------------------------------

EMPLOYMENT = "Employment verification (employment in the field)"
COURSES = "Professional education (courses, seminars, webinars)"


@pytest.mark.parametrize(
    ("code", "fields", "message"),
    [
        pytest.param(
            "professional-education",
            {"completed_on": datetime.date(2026, 3, 3)},
            "Dates in the future can't be claimed.",
            id="future date",
        ),
        pytest.param(
            "organizational-participation",
            {"period_start": datetime.date(2026, 1, 1), "period_end": datetime.date(2026, 3, 31)},
            "Dates in the future can't be claimed.",
            id="period ending in the future",
        ),
        pytest.param(
            "professional-education",
            {"completed_on": datetime.date(2025, 5, 13)},
            "This is before your current cycle started on May 14, 2025: points earned before a cycle's "
            "start can't be claimed in it, and nothing carries over.",
            id="the day before the cycle start",
        ),
        pytest.param(
            "employment",
            {"period_start": datetime.date(2025, 6, 1)},
            f"{EMPLOYMENT} is accepted only through December 31, 2020: "
            "this period lies wholly after that date.",
            id="wholly after the accepted-through date",
        ),
        pytest.param(
            "professional-education",
            {"helps_job": False},
            "Confirm at least one qualifying criterion for this activity.",
            id="no qualifying criterion",
        ),
        pytest.param(
            "professional-education",
            {"quantity": Decimal("0")},
            "Give a positive number of contact hours.",
            id="zero units",
        ),
        pytest.param(
            "authorship",
            {"quantity": Decimal("-1")},
            "Give a positive number of items.",
            id="negative units",
        ),
        pytest.param(
            "professional-education",
            {"quantity_unit": Activity.QuantityUnit.QUARTER},
            f"{COURSES} is counted in contact hours.",
            id="quarter hours where the category has none",
        ),
        pytest.param(
            "organizational-participation",
            {"period_start": datetime.date(2025, 9, 1), "period_end": datetime.date(2025, 8, 1)},
            "The end of the period is before its start.",
            id="period ending before it starts",
        ),
        pytest.param("professional-education", {"title": "  "}, "Give the activity a title.", id="no title"),
    ],
)
def test_a_claim_breaking_a_rule_is_refused_with_a_readable_message(today, code, fields, message):
    # Given Ann's open cycle (May 14, 2025 .. May 13, 2028), today March 2, 2026
    certification = ann_lee()

    # When she records a claim that breaks a rule
    messages = refused(record, certification, code, **fields)

    # Then it is refused with the reason in words, and nothing is recorded
    assert messages == [message]
    assert not Activity.objects.exists()


def test_a_date_after_the_open_cycle_ended_is_in_no_open_cycle(time_machine):
    # Given Ann's cycle ended yesterday (May 13, 2028) and the daily roll has not run yet
    move_to(time_machine, TODAY)
    certification = ann_lee(paid_through=datetime.date(2029, 4, 30))
    open_cycle(certification)
    today = move_to(time_machine, datetime.date(2028, 5, 14))

    # When she records a course completed today
    messages = refused(record, certification, completed_on=today, today=today)

    # Then the ended cycle takes nothing more: its result is decided on its own dates
    assert messages == [
        "Your cycle ended on May 13, 2028: it is being closed, so nothing more can be claimed in it."
    ]


def test_employment_that_cannot_count_in_the_open_cycle_is_refused(time_machine):
    """Given a cycle opened in 2025 (after the 2020-12-31 employment cutoff), when Ann records employment
    ongoing since 2019, then it is refused with the dated rule: none of it could count in this cycle."""
    move_to(time_machine, TODAY)
    certification = ann_lee()

    messages = refused(
        record, certification, "employment", period_start=datetime.date(2019, 1, 1), period_end=None
    )

    assert messages[0].startswith(
        "Employment verification (employment in the field) is accepted only through"
    )
    assert not Activity.objects.filter(certification=certification).exists()


def test_a_certification_without_an_open_cycle_records_nothing(time_machine):
    # Given Ann's cycle closed without the points: her certification is Non-compliant (CCP)
    move_to(time_machine, TODAY)
    certification = ann_lee(paid_through=datetime.date(2029, 4, 30))
    open_cycle(certification)
    services.cycles_roll(today=datetime.date(2028, 5, 14))
    today = move_to(time_machine, datetime.date(2028, 6, 1))
    certification.refresh_from_db()
    assert certification.status == "noncompliant"

    # When she records a course
    messages = refused(record, certification, completed_on=datetime.date(2028, 5, 20), today=today)

    # Then there is no cycle to record it in
    assert messages == [
        "This certification has no open CCP cycle (it is not active), so no activity can be recorded."
    ]


def test_an_exact_duplicate_is_refused(today):
    # Given a recorded course
    certification = ann_lee()
    record(certification, title="Infection control update")

    # When the same course is recorded again (title in other letter case)
    messages = refused(record, certification, title="INFECTION control update")

    # Then it is refused, and there is one row
    assert messages == ["You already recorded this activity (same category, title, dates and amount)."]
    assert Activity.objects.count() == 1


def test_an_exempt_certification_records_nothing(today):
    # Given a certification from 2004, never reinstated: exempt from CCP
    certification = ann_lee(certified_on=datetime.date(2004, 3, 10), paid_through=datetime.date(2027, 2, 28))

    # When the member records a course
    messages = refused(record, certification, completed_on=datetime.date(2026, 1, 5))

    # Then it is refused: there are no points to record
    assert messages == ["This certification is exempt from CCP: there are no points to record."]
    assert services.cycle_open_current(certification=certification, today=today) is None


def test_quarter_credit_hours_count_as_two_thirds_of_a_semester_hour(today):
    certification = ann_lee()

    activity = record(
        certification,
        "formal-education",
        title="Anatomy I",
        quantity=Decimal("4.5"),
        quantity_unit=Activity.QuantityUnit.QUARTER,
    )

    # 4.5 quarter hours = 3 semester hours = 45 points
    result, _ = selectors.cycle_compliance(open_cycle(certification, today), today=today)
    assert result.activities[activity.pk].counted_points == Decimal("45.00")


# --- Periods ---------------------------------------------------------------------------------------------


def test_an_ongoing_period_counts_up_to_today(today):
    # Given an organizational role since June 1, 2025, still held
    certification = ann_lee()
    role = record(
        certification,
        "organizational-participation",
        title="Board member",
        period_start=datetime.date(2025, 6, 1),
    )

    # When the cycle's compliance is computed today (March 2, 2026)
    result, _ = selectors.cycle_compliance(open_cycle(certification, today), today=today)

    # Then 275 days count: 2 points x 275 / 365 = 1.51
    line = result.activities[role.pk]
    assert (line.counted_from, line.counted_to, line.days_counted) == (
        datetime.date(2025, 6, 1),
        today,
        275,
    )
    assert line.counted_points == Decimal("1.51")
    assert line.reason == ""


def test_a_period_started_before_the_cycle_counts_from_the_cycle_start(today):
    certification = ann_lee()
    role = record(
        certification,
        "organizational-participation",
        title="Board member",
        period_start=datetime.date(2024, 5, 14),
    )

    result, _ = selectors.cycle_compliance(open_cycle(certification, today), today=today)

    line = result.activities[role.pk]
    assert line.days_counted == 293  # May 14, 2025 .. March 2, 2026
    assert line.reason == "293 of 658 days count (May 14, 2025 to Mar 2, 2026)"


def test_employment_straddling_2020_12_31_counts_only_up_to_that_date(time_machine):
    # Given an RMA certified May 14, 2019 (cycle to May 13, 2022), today August 1, 2021
    today = move_to(time_machine, datetime.date(2021, 8, 1))
    certification = ann_lee(certified_on=datetime.date(2019, 5, 14), paid_through=datetime.date(2022, 4, 30))

    # When she records employment from July 1, 2020 to June 30, 2021
    job = record(
        certification,
        "employment",
        today=today,
        title="Phlebotomist",
        period_start=datetime.date(2020, 7, 1),
        period_end=datetime.date(2021, 6, 30),
    )

    # Then it is kept, and only the 184 days through Dec 31, 2020 count: 4 x 184 / 365 = 2.02 points
    result, _ = selectors.cycle_compliance(open_cycle(certification, today), today=today)
    line = result.activities[job.pk]
    assert (line.raw_points, line.counted_points, line.days_counted) == (
        Decimal("4.00"),
        Decimal("2.02"),
        184,
    )
    assert line.reason == (
        "184 of 365 days count (Jul 1, 2020 to Dec 31, 2020); "
        f"{EMPLOYMENT} is accepted only through Dec 31, 2020"
    )


# --- Update and remove: allowed while open, locked once closed or under audit ------------------------------

LOCKED = (
    "This activity counts for a cycle that is closed or under audit: it can no longer be changed "
    "(documents can still be attached)."
)


def test_an_activity_is_changed_and_removed_while_its_cycle_is_open(today):
    certification = ann_lee()
    course = record(certification, quantity=Decimal("2"))
    user = certification.member.user

    services.activity_update(
        activity=course, today=today, changed_by=user, quantity=Decimal("3.5"), title="CE"
    )
    assert counted(certification, today) == Decimal("3.50")
    assert Activity.objects.get(pk=course.pk).title == "CE"

    services.activity_remove(activity=course, today=today, removed_by=user)
    assert not Activity.objects.filter(pk=course.pk).exists()
    assert counted(certification, today) == Decimal("0.00")


def test_an_update_cannot_move_an_activity_before_the_cycle_start(today):
    certification = ann_lee()
    course = record(certification)

    messages = refused(
        services.activity_update,
        activity=course,
        today=today,
        changed_by=certification.member.user,
        completed_on=datetime.date(2025, 1, 10),
    )

    assert messages[0].startswith("This is before your current cycle started on May 14, 2025")
    assert Activity.objects.get(pk=course.pk).completed_on == datetime.date(2025, 9, 10)


@pytest.fixture
def closed_cycle_activity(time_machine):
    """A course in Ann's 2019-2022 cycle, which closed compliant on May 14, 2022; today is June 1, 2022."""
    day = move_to(time_machine, datetime.date(2022, 3, 1))
    certification = ann_lee(certified_on=datetime.date(2019, 5, 14), paid_through=datetime.date(2023, 4, 30))
    course = record(
        certification, today=day, title="Annual CE conference", completed_on=day, quantity=Decimal("30")
    )
    services.cycles_roll(today=datetime.date(2022, 5, 14))
    move_to(time_machine, datetime.date(2022, 6, 1))
    return course


def test_an_activity_of_a_closed_cycle_is_locked(closed_cycle_activity):
    course, today = closed_cycle_activity, datetime.date(2022, 6, 1)
    user = course.certification.member.user
    assert Cycle.objects.get(certification=course.certification, number=0).state == Cycle.State.COMPLIANT

    assert refused(services.activity_update, activity=course, today=today, changed_by=user, title="X") == [
        LOCKED
    ]
    assert refused(services.activity_remove, activity=course, today=today, removed_by=user) == [LOCKED]
    assert Activity.objects.get(pk=course.pk).title == "Annual CE conference"
    assert not ActivityChange.objects.exists()


def test_a_role_recorded_after_its_first_cycle_closed_stays_editable(closed_cycle_activity):
    """Given the 2019-2022 cycle closed, when Ann records a role held since 2021 in the new cycle, then the
    closed cycle does not lock it (it never counted there), so she can still end or remove it."""
    certification, today = closed_cycle_activity.certification, datetime.date(2022, 6, 1)
    role = record(
        certification, "organizational-participation", today=today, title="Chapter treasurer",
        period_start=datetime.date(2021, 3, 1), period_end=None,
    )  # fmt: skip
    user = certification.member.user

    assert not services.activities.is_locked(role)
    services.activity_update(
        activity=role, today=today, changed_by=user, period_end=datetime.date(2022, 5, 31)
    )
    assert Activity.objects.get(pk=role.pk).period_end == datetime.date(2022, 5, 31)
    assert services.activities.is_locked(closed_cycle_activity)


def test_an_activity_of_a_cycle_under_audit_is_locked(today):
    # Given a course in Ann's open cycle, and the cycle selected for audit
    certification = ann_lee()
    course = record(certification)
    Cycle.objects.filter(pk=open_cycle(certification).pk).update(under_audit=True)
    user = certification.member.user

    # When she changes or removes it, then both are refused with the reason
    assert refused(services.activity_update, activity=course, today=today, changed_by=user, title="X") == [
        LOCKED
    ]
    assert refused(services.activity_remove, activity=course, today=today, removed_by=user) == [LOCKED]
    assert Activity.objects.filter(pk=course.pk, title="Infection control update").exists()


# --- Documents ---------------------------------------------------------------------------------------------


def tiny_pdf() -> bytes:
    writer, out = PdfWriter(), io.BytesIO()
    writer.add_blank_page(width=72, height=72)
    writer.write(out)
    return out.getvalue()


def tiny_image(format_name: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (2, 2), "white").save(out, format=format_name)
    return out.getvalue()


def attach(activity, name: str, content: bytes, claimed_type: str = "application/pdf") -> ActivityDocument:
    return services.activity_attach_document(
        activity=activity,
        upload=SimpleUploadedFile(name, content, content_type=claimed_type),
        uploaded_by=activity.certification.member.user,
    )


@pytest.mark.parametrize(
    ("name", "content", "content_type", "suffix", "shown_name"),
    [
        ("Certificate.pdf", tiny_pdf(), "application/pdf", ".pdf", "Certificate.pdf"),
        ("scan.PNG", tiny_image("PNG"), "image/png", ".png", "scan.PNG"),
        ("photo.jpeg", tiny_image("JPEG"), "image/jpeg", ".jpg", "photo.jpeg"),
        ("photo-named-like-a.pdf", tiny_image("PNG"), "image/png", ".png", "photo-named-like-a.png"),
    ],
)
def test_a_real_pdf_png_or_jpeg_is_stored_privately_under_a_generated_name(
    today, media, name, content, content_type, suffix, shown_name
):
    course = record(ann_lee())

    document = attach(course, name, content)

    # The type comes from the content, the stored name is generated (with the type's suffix), the
    # member's file name is kept in the row with the extension of the type; what is stored is the content
    # as its library rewrote it (core.uploads)
    assert document.content_type == content_type
    assert document.original_name == shown_name
    stored = document.file.name
    assert stored.startswith(f"ccp-documents/{course.certification_id}/")
    assert stored.endswith(suffix)
    assert name.rsplit(".", 1)[0] not in stored
    assert document.size == len((media / stored).read_bytes())


def test_a_text_file_named_pdf_is_refused(today, media):
    course = record(ann_lee())

    messages = refused(attach, course, "certificate.pdf", b"Certificate of completion: 2 hours")

    assert messages == [
        "This file is not a readable PDF, JPEG or PNG image: other kinds of file (HTML, SVG, Word, text...) "
        "are not accepted."
    ]
    assert not ActivityDocument.objects.exists()
    assert not any(media.rglob("*.pdf"))


def test_a_file_over_the_size_limit_is_refused(today, media):
    # Given documents are limited to 1 MB
    CcpPolicy.objects.filter(pk=CcpPolicy.current().pk).update(max_document_mb=1)
    course = record(ann_lee())
    pdf = tiny_pdf()

    # When a PDF of 1 MB and one byte is attached, it is refused; one of exactly 1 MB is accepted
    messages = refused(attach, course, "big.pdf", pdf + b" " * (1024 * 1024 + 1 - len(pdf)))
    assert messages == ["The file is larger than 1 MB."]
    fits = attach(course, "just-fits.pdf", pdf + b" " * (1024 * 1024 - len(pdf)))
    assert fits.size == len(pdf)  # stored as rewritten: the padding after %%EOF is gone
    assert list(ActivityDocument.objects.values_list("original_name", flat=True)) == ["just-fits.pdf"]


def test_an_empty_file_is_refused(today, media):
    assert refused(attach, record(ann_lee()), "empty.pdf", b"") == ["The file is empty."]


def test_a_document_can_be_attached_to_a_locked_activity(closed_cycle_activity, media):
    document = attach(closed_cycle_activity, "conference-certificate.pdf", tiny_pdf())

    assert document.activity == closed_cycle_activity
    assert closed_cycle_activity.documents.count() == 1


# --- Attestation -------------------------------------------------------------------------------------------


def test_an_attestation_with_another_name_is_refused(today):
    certification = ann_lee()
    cycle = open_cycle(certification)

    messages = refused(
        services.cycle_attest, cycle=cycle, signed_name="A. Lee", today=today, user=certification.member.user
    )

    assert messages == ["Type your full legal name as on your certification: Ann Lee."]
    assert not Attestation.objects.exists()


def test_an_attestation_makes_the_cycle_compliant_and_moves_active_through_to_the_fee_limit(today):
    # Given Ann, fees paid through April 30, 2029: she is active through her cycle end, May 13, 2028
    certification = ann_lee(paid_through=datetime.date(2029, 4, 30))
    assert certification.active_through == CYCLE_END
    cycle = open_cycle(certification)

    # When she signs the attestation with her name
    attestation = services.cycle_attest(
        cycle=cycle, signed_name="  ann   LEE ", today=today, user=certification.member.user
    )

    # Then the cycle is compliant, and only the next fee limits her active-through date
    assert (attestation.signed_name, attestation.signed_on) == ("ann LEE", today)
    assert attestation.statement.startswith("I attest that I earned at least 30 CCP points")
    result, _ = selectors.cycle_compliance(cycle, today=today)
    assert selectors.cycle_is_compliant(open_cycle(certification), result)
    certification.refresh_from_db()
    assert certification.ccp_compliant_through == CYCLE_END
    assert certification.active_through == datetime.date(2029, 5, 31)


def test_a_cycle_under_audit_cannot_be_attested(today):
    certification = ann_lee()
    Cycle.objects.filter(pk=open_cycle(certification).pk).update(under_audit=True)

    messages = refused(
        services.cycle_attest,
        cycle=open_cycle(certification),
        signed_name="Ann Lee",
        today=today,
        user=certification.member.user,
    )

    assert messages == ["Only an open cycle that has not ended and is not under audit can be attested."]


def test_a_certification_that_failed_an_audit_cannot_attest_before_its_cycle_is_closed(today):
    """Given Ann's audit failed today (Non-compliant, the cycle still open until tonight's job), when she
    tries to attest, then it is refused: the way back is recertification."""
    from members import services as member_services

    certification = ann_lee()
    cycle = open_cycle(certification)
    member_services.certification_record_audit_failure(
        certification=certification, failed_on=today, today=today, actor=None, source="test"
    )

    messages = refused(
        services.cycle_attest, cycle=cycle, signed_name="Ann Lee", today=today, user=certification.member.user
    )

    assert messages == ["This certification is not active: its cycle can no longer be attested."]
    assert not Attestation.objects.exists()


# --- Compliance reported to the members app ----------------------------------------------------------------


def test_reaching_the_required_points_moves_active_through_and_losing_them_moves_it_back(today):
    # Given Ann with fees paid through April 30, 2029 and 28 points recorded
    certification = ann_lee(paid_through=datetime.date(2029, 4, 30))
    record(certification, title="Conference", quantity=Decimal("28"))
    certification.refresh_from_db()
    assert (certification.ccp_compliant_through, certification.active_through) == (None, CYCLE_END)

    # When a 2-hour course brings her to 30
    webinar = record(certification, title="Webinar", quantity=Decimal("2"))

    # Then her cycle is compliant and she is active through the next fee's due date
    certification.refresh_from_db()
    assert (certification.ccp_compliant_through, certification.active_through) == (
        CYCLE_END,
        datetime.date(2029, 5, 31),
    )

    # And when she removes it again, the cycle end limits her active-through date again
    services.activity_remove(activity=webinar, today=today, removed_by=certification.member.user)
    certification.refresh_from_db()
    assert (certification.ccp_compliant_through, certification.active_through) == (None, CYCLE_END)


def test_report_compliance_notices_points_an_ongoing_role_earned_with_time(time_machine):
    # Given 25 contact hours and a role held since the cycle start (2 points a year, so 5 after 2.5 years)
    move_to(time_machine, TODAY)
    certification = ann_lee(paid_through=datetime.date(2029, 4, 30))
    record(certification, title="Conference", quantity=Decimal("25"))
    record(
        certification, "organizational-participation", title="Chapter treasurer", period_start=CERTIFIED_ON
    )

    # When compliance is reported in June 2027 (about 4.1 role points): still short
    services.certification_report_compliance(certification=certification, today=datetime.date(2027, 6, 1))
    certification.refresh_from_db()
    assert certification.active_through == CYCLE_END

    # And in December 2027 (about 5.1 role points): compliant, active through the next fee's due date
    services.certification_report_compliance(certification=certification, today=datetime.date(2027, 12, 1))
    certification.refresh_from_db()
    assert certification.ccp_compliant_through == CYCLE_END
    assert certification.active_through == datetime.date(2029, 5, 31)


# --- Opening the current cycle -----------------------------------------------------------------------------


def test_an_old_imported_certification_opens_the_cycle_containing_today(today):
    # Given a certification imported today with its original date, Aug 20, 2010
    certification = ann_lee(certified_on=datetime.date(2010, 8, 20), paid_through=datetime.date(2026, 7, 31))

    # When its current cycle is opened (twice: the second call finds the first)
    cycle = services.cycle_open_current(certification=certification, today=today)
    again = services.cycle_open_current(certification=certification, today=today)

    # Then it is cycle 5, Aug 20, 2025 .. Aug 19, 2028, and only one cycle exists
    assert (cycle.number, cycle.start_on, cycle.end_on, cycle.state) == (
        5,
        datetime.date(2025, 8, 20),
        datetime.date(2028, 8, 19),
        Cycle.State.OPEN,
    )
    assert again.pk == cycle.pk
    assert Cycle.objects.filter(certification=certification).count() == 1


def test_a_february_29_anchor_gives_february_28_dates(today):
    # Given a certification of Feb 29, 2016: cycles start on Feb 28 in years without Feb 29
    certification = ann_lee(certified_on=datetime.date(2016, 2, 29), paid_through=datetime.date(2027, 1, 31))

    cycle = services.cycle_open_current(certification=certification, today=today)

    # Cycle 3: from 2016 + 9 years (Feb 28, 2025) to the day before 2016 + 12 years (Feb 29, 2028)
    assert (cycle.number, cycle.start_on, cycle.end_on) == (
        3,
        datetime.date(2025, 2, 28),
        datetime.date(2028, 2, 28),
    )


# --- Atomicity ---------------------------------------------------------------------------------------------


def test_a_record_failing_after_its_insert_leaves_no_row(today, monkeypatch):
    # Given reporting to the members app fails (a fault injected: nothing real fails on demand here)
    certification = ann_lee(paid_through=datetime.date(2029, 4, 30))

    def members_app_down(**kwargs):
        raise RuntimeError("members app unavailable")

    monkeypatch.setattr("ccp.services.activities.certification_report_compliance", members_app_down)

    # When a course worth the required 30 points is recorded
    with pytest.raises(RuntimeError):
        record(certification, quantity=Decimal("30"))

    # Then nothing is left of it: no activity, and the certification is as before
    assert not Activity.objects.exists()
    certification.refresh_from_db()
    assert (certification.ccp_compliant_through, certification.active_through) == (None, CYCLE_END)


def test_a_refused_update_leaves_the_activity_unchanged(today):
    certification = ann_lee()
    course = record(certification, title="Course A")
    record(certification, title="Course B")

    # Renaming A to B's exact twin is refused, and A keeps its title
    refused(
        services.activity_update,
        activity=course,
        today=today,
        changed_by=course.recorded_by,
        title="Course B",
    )

    assert sorted(Activity.objects.values_list("title", flat=True)) == ["Course A", "Course B"]
    assert not ActivityChange.objects.exists()


# --- History of changes: who, when, what -------------------------------------------------------------

HISTORY_COLUMNS = ("activity_pk", "activity_description", "kind", "field", "old_value", "new_value")


def history(certification) -> list[tuple]:
    """The certification's history rows in the order they were written."""
    return list(
        ActivityChange.objects.filter(certification=certification)
        .order_by("id")
        .values_list(*HISTORY_COLUMNS)
    )


def test_an_edit_writes_one_history_row_per_changed_field_with_who_and_when(today):
    # Given a 2-hour course completed Sep 10, 2025
    certification = ann_lee()
    course = record(certification)
    user = certification.member.user

    # When the member changes its title, its hours, its date and one criterion (the provider stays empty)
    services.activity_update(
        activity=course,
        today=today,
        changed_by=user,
        title="Infection control, part 2",
        quantity=Decimal("3.5"),
        completed_on=datetime.date(2025, 10, 1),
        advances_knowledge=True,
        provider="",
    )

    # Then each changed field has one row, old and new value as a person reads them
    described = "Infection control update (September 10, 2025)"
    assert history(certification) == [
        (course.pk, described, "changed", "title", "Infection control update", "Infection control, part 2"),
        (course.pk, described, "changed", "completed_on", "September 10, 2025", "October 1, 2025"),
        (course.pk, described, "changed", "quantity", "2", "3.5"),
        (course.pk, described, "changed", "advances_knowledge", "No", "Yes"),
    ]
    rows = ActivityChange.objects.all()
    assert {(row.changed_by, row.changed_at.date()) for row in rows} == {(user, TODAY)}
    assert [row.field_label for row in rows.order_by("id")] == [
        "Title",
        "Completed on",
        "Quantity",
        "It advances my knowledge in the health-care field",
    ]


def test_an_edit_that_changes_nothing_writes_no_history(today):
    certification = ann_lee()
    course = record(certification)

    services.activity_update(
        activity=course,
        today=today,
        changed_by=certification.member.user,
        title="  Infection control update ",  # the same once trimmed
        quantity=Decimal("2.00"),
    )

    assert history(certification) == []


def test_a_removal_keeps_the_history_of_the_removed_activity(today):
    # Given a course whose hours were changed once
    certification = ann_lee()
    course = record(certification, title="Webinar")
    user = certification.member.user
    services.activity_update(activity=course, today=today, changed_by=user, quantity=Decimal("4"))

    # When it is removed
    services.activity_remove(activity=course, today=today, removed_by=user)

    # Then the activity is gone, its history stays: the change and the removal, with the activity's id
    assert not Activity.objects.filter(pk=course.pk).exists()
    assert history(certification) == [
        (course.pk, "Webinar (September 10, 2025)", "changed", "quantity", "2", "4"),
        (course.pk, "Webinar (September 10, 2025)", "removed", "", "", ""),
    ]
    assert ActivityChange.objects.get(kind="removed").changed_by == user


def test_a_period_is_described_by_its_dates_in_the_history(today):
    certification = ann_lee()
    role = record(
        certification,
        "organizational-participation",
        title="Chapter secretary",
        period_start=datetime.date(2025, 6, 1),
    )

    services.activity_update(
        activity=role,
        today=today,
        changed_by=certification.member.user,
        period_end=datetime.date(2026, 1, 31),
    )

    assert history(certification) == [
        (
            role.pk,
            "Chapter secretary (since June 1, 2025, ongoing)",
            "changed",
            "period_end",
            "",
            "January 31, 2026",
        )
    ]

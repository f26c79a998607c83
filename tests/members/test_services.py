"""Services of the members app: status changes and their history, facts reported by later apps, profiles."""

import datetime
import io

import psycopg2
import pytest
from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection

from members import services
from members.models import Certification, Member, ProfileChange, StatusChange, User
from members.rules.contact import BAD_COUNTRY, BAD_PHONE, BAD_STATE, BAD_ZIP
from tests.factories import MemberFactory, credential, make_certification, make_staff

pytestmark = pytest.mark.django_db

CERTIFIED_ON = datetime.date(2025, 5, 14)  # fee year May 2025..April 2026 covered; next fee due May 31, 2026
FIRST_DAY = datetime.date(2025, 6, 1)
LAPSE_DAY = datetime.date(2026, 6, 1)  # the day after the unpaid fee's due date (grace 0)


def history(certification) -> list[tuple[str, str, str]]:
    rows = StatusChange.objects.filter(certification=certification).order_by("id")
    return [(row.from_status, row.to_status, row.source) for row in rows]


# --- Status history: one row per change -----------------------------------------------------------


def test_refreshing_twice_on_the_same_date_writes_one_history_row():
    # Given a certification whose fee went unpaid
    certification = make_certification(certified_on=CERTIFIED_ON, today=FIRST_DAY)

    # When its status is refreshed twice on the same day after the lapse
    for _ in range(2):
        services.certification_refresh_status(
            certification=certification, today=LAPSE_DAY, source="daily status job"
        )

    # Then it is Lapsed, and the history holds the creation and one lapse, not two
    certification.refresh_from_db()
    assert certification.status == "lapsed"
    assert certification.lapse_date == LAPSE_DAY
    assert history(certification) == [("", "active", "test"), ("active", "lapsed", "daily status job")]


def test_refreshing_without_a_change_writes_no_history_row():
    certification = make_certification(certified_on=CERTIFIED_ON, today=FIRST_DAY)

    services.certification_refresh_status(
        certification=certification, today=datetime.date(2026, 1, 15), source="daily status job"
    )

    certification.refresh_from_db()
    assert (certification.status, certification.active_through) == ("active", datetime.date(2026, 5, 31))
    assert StatusChange.objects.filter(certification=certification).count() == 1


def test_the_daily_job_run_twice_changes_nothing_the_second_time():
    # Given two certifications whose fees are unpaid and one paid ahead
    unpaid = [make_certification(certified_on=CERTIFIED_ON, today=FIRST_DAY) for _ in range(2)]
    paid = make_certification(
        certified_on=CERTIFIED_ON, today=FIRST_DAY, paid_through=datetime.date(2027, 4, 30)
    )

    # When the daily job runs twice for the lapse day
    first = services.certifications_refresh_statuses(today=LAPSE_DAY, source="daily status job")
    second = services.certifications_refresh_statuses(today=LAPSE_DAY, source="daily status job")

    # Then the first run lapses the two unpaid ones, the second changes nothing
    assert (first, second) == (2, 0)
    assert [c.status for c in Certification.objects.filter(pk__in=[c.pk for c in unpaid])] == ["lapsed"] * 2
    assert Certification.objects.get(pk=paid.pk).status == "active"
    assert StatusChange.objects.filter(to_status="lapsed", source="daily status job").count() == 2
    assert StatusChange.objects.count() == 3 + 2


def test_the_daily_jobs_command_run_twice_reports_the_changes_then_none():
    make_certification(certified_on=CERTIFIED_ON, today=FIRST_DAY)
    runs = []
    for _ in range(2):
        out = io.StringIO()
        call_command("run_daily_jobs", "--date", "2026-06-01", "--only", "update statuses", stdout=out)
        runs.append(out.getvalue())

    assert runs == ["2026-06-01 update statuses: 1\n", "2026-06-01 update statuses: 0\n"]
    assert StatusChange.objects.filter(to_status="lapsed", source="daily status job").count() == 1


def test_the_daily_job_moves_a_long_lapse_to_must_recertify_then_exam_required():
    certification = make_certification(certified_on=CERTIFIED_ON, today=FIRST_DAY)
    for day in (LAPSE_DAY, datetime.date(2029, 5, 31), datetime.date(2029, 6, 1), datetime.date(2036, 6, 1)):
        services.certifications_refresh_statuses(today=day, source="daily status job")

    assert [to for _, to, _ in history(certification)] == [
        "active",
        "lapsed",
        "must_recertify",
        "exam_required",
    ]
    certification.refresh_from_db()
    assert certification.lapse_date == LAPSE_DAY  # the 3- and 10-year rules count from the first day
    assert certification.active_through is None


def test_a_payment_after_the_lapse_makes_the_certification_active_with_a_history_row_naming_it():
    # Given a certification lapsed for non-payment
    certification = make_certification(certified_on=CERTIFIED_ON, today=FIRST_DAY)
    services.certifications_refresh_statuses(today=LAPSE_DAY, source="daily status job")
    clerk = make_staff("Billing staff")

    # When billing reports the fee paid
    certification = services.certification_record_paid_through(
        certification=certification,
        paid_through=datetime.date(2027, 4, 30),
        today=datetime.date(2026, 6, 20),
        actor=clerk,
        source="billing: offline payment",
    )

    # Then it is Active again, through the next due date, and the history says who and what did it
    assert certification.status == "active"
    assert certification.lapse_date is None
    assert certification.active_through == datetime.date(2027, 5, 31)
    change = StatusChange.objects.filter(certification=certification).latest("id")
    assert (change.from_status, change.to_status) == ("lapsed", "active")
    assert change.changed_by == clerk
    assert change.source == "billing: offline payment"
    assert change.effective_on == datetime.date(2026, 6, 20)


def test_paying_part_of_the_arrears_keeps_the_lapse_and_its_first_day():
    certification = make_certification(certified_on=CERTIFIED_ON, today=FIRST_DAY)
    services.certifications_refresh_statuses(today=datetime.date(2027, 7, 1), source="daily status job")

    certification = services.certification_record_paid_through(
        certification=certification,
        paid_through=datetime.date(2027, 4, 30),
        today=datetime.date(2027, 7, 2),
        source="billing: payment",
    )

    assert certification.status == "lapsed"
    assert certification.lapse_date == LAPSE_DAY
    assert StatusChange.objects.filter(certification=certification).count() == 2


# --- Facts reported by later apps -----------------------------------------------------------------


def paid_up_certification():
    """Certified May 14, 2019: CCP cycle 0 ends May 13, 2022; fees paid through April 30, 2023."""
    return make_certification(
        certified_on=datetime.date(2019, 5, 14),
        today=datetime.date(2021, 1, 4),
        paid_through=datetime.date(2023, 4, 30),
    )


def test_a_failed_ccp_cycle_makes_the_certification_non_compliant_from_the_next_day():
    certification = paid_up_certification()

    certification = services.certification_record_ccp_failure(
        certification=certification,
        cycle_end=datetime.date(2022, 5, 13),
        today=datetime.date(2022, 5, 14),
        source="CCP: cycle end",
    )

    assert certification.status == "noncompliant"
    assert certification.lapse_date == datetime.date(2022, 5, 14)
    assert "the CCP cycle ending May 13, 2022 was not compliant" in certification.status_reason
    change = StatusChange.objects.filter(certification=certification).latest("id")
    assert (change.to_status, change.source, change.changed_by) == ("noncompliant", "CCP: cycle end", None)


def test_a_failed_audit_makes_the_certification_non_compliant_with_the_reviewer_recorded():
    certification = paid_up_certification()
    reviewer = make_staff("Audit reviewer")

    certification = services.certification_record_audit_failure(
        certification=certification,
        failed_on=datetime.date(2021, 3, 1),
        today=datetime.date(2021, 3, 1),
        actor=reviewer,
        source="audit: decision",
    )

    assert certification.status == "noncompliant"
    assert certification.lapse_date == datetime.date(2021, 3, 1)
    assert StatusChange.objects.filter(certification=certification).latest("id").changed_by == reviewer


def test_a_failed_audit_does_not_touch_a_certification_exempt_from_ccp():
    certification = make_certification(
        certified_on=datetime.date(2003, 2, 10),
        today=datetime.date(2021, 1, 4),
        paid_through=datetime.date(2022, 1, 31),
    )

    certification = services.certification_record_audit_failure(
        certification=certification,
        failed_on=datetime.date(2021, 3, 1),
        today=datetime.date(2021, 3, 1),
        actor=None,
        source="audit: decision",
    )

    assert certification.status == "active"


def test_a_compliant_cycle_moves_active_through_to_the_next_fee_due_date():
    certification = paid_up_certification()
    assert certification.active_through == datetime.date(2022, 5, 13)  # cycle end: not yet compliant

    certification = services.certification_record_ccp_compliance(
        certification=certification,
        compliant_through=datetime.date(2022, 5, 13),
        today=datetime.date(2022, 1, 10),
        source="CCP: compliant",
    )

    assert certification.status == "active"
    assert certification.active_through == datetime.date(2023, 5, 31)


def test_reinstating_a_non_compliant_certification_makes_it_active_with_a_new_anchor():
    # Given a certification that failed its cycle
    certification = services.certification_record_ccp_failure(
        certification=paid_up_certification(),
        cycle_end=datetime.date(2022, 5, 13),
        today=datetime.date(2022, 5, 14),
        source="CCP: cycle end",
    )
    processor = make_staff("Recertification processor")

    # When a recertification is approved on Feb 1, 2023
    certification = services.certification_reinstate(
        certification=certification, reinstated_on=datetime.date(2023, 2, 1), actor=processor, source="recert"
    )

    # Then it is Active: the fee year Feb 2023..Jan 2024 is covered, the next fee is due Feb 29, 2024
    assert certification.status == "active"
    assert certification.reinstated_on == datetime.date(2023, 2, 1)
    assert certification.anniversary_month == 2
    assert certification.paid_through == datetime.date(2024, 1, 31)
    assert certification.active_through == datetime.date(2024, 2, 29)
    assert (certification.ccp_failed_on, certification.lapse_date) == (None, None)
    change = StatusChange.objects.filter(certification=certification).latest("id")
    assert (change.from_status, change.to_status, change.changed_by) == ("noncompliant", "active", processor)


def test_a_certification_cannot_be_reinstated_before_it_was_awarded():
    certification = paid_up_certification()

    with pytest.raises(ValidationError):
        services.certification_reinstate(
            certification=certification, reinstated_on=datetime.date(2019, 1, 1), actor=None, source="recert"
        )


def test_a_certification_dated_in_the_future_or_twice_for_one_credential_is_refused():
    member = MemberFactory()
    make_certification(member, certified_on=CERTIFIED_ON, today=FIRST_DAY)

    with pytest.raises(ValidationError, match="already holds the RMA"):
        make_certification(member, certified_on=CERTIFIED_ON, today=FIRST_DAY)
    with pytest.raises(ValidationError, match="in the future"):
        services.certification_create(
            member=member,
            credential=credential("MT"),
            certified_on=FIRST_DAY,
            today=CERTIFIED_ON,
            source="test",
        )
    assert member.certifications.count() == 1


# --- Members and profiles -------------------------------------------------------------------------


def test_member_create_makes_a_login_without_password_and_an_unverified_address():
    member = services.member_create(
        member_number="900001", email=" Ann.Lee@Example.org ", first_name="Ann", last_name="Lee", invite=False
    )

    assert member.user.email == "ann.lee@example.org"
    assert not member.user.has_usable_password()
    assert EmailAddress.objects.get(user=member.user).verified is False


@pytest.mark.parametrize(
    ("member_number", "email", "message"),
    [
        ("900001", "other@example.org", "Member number 900001 is already in use"),
        ("900002", "ANN@example.org", "ann@example.org is already in use"),
        ("900003", "not-an-address", "is not a valid e-mail address"),
    ],
)
def test_member_create_refuses_a_taken_number_a_taken_or_an_invalid_address(member_number, email, message):
    services.member_create(
        member_number="900001", email="ann@example.org", first_name="Ann", last_name="Lee", invite=False
    )

    with pytest.raises(ValidationError, match=message):
        services.member_create(
            member_number=member_number, email=email, first_name="Bo", last_name="Ray", invite=False
        )
    assert (Member.objects.count(), User.objects.count()) == (1, 1)


def test_accepting_the_invitation_sets_the_password_and_verifies_the_address():
    member = services.member_create(
        member_number="900001", email="ann@example.org", first_name="Ann", last_name="Lee", invite=False
    )

    services.member_accept_invitation(user=member.user, password="a-long-new-secret-7")

    member.user.refresh_from_db()
    assert member.user.check_password("a-long-new-secret-7")
    assert EmailAddress.objects.get(user=member.user).verified is True


def test_a_profile_update_writes_a_row_per_field_that_really_changed():
    member = MemberFactory(phone="(217) 555-0100", city="Springfield")

    changes = services.member_update_profile(
        member=member,
        changed_by=member.user,
        fields={"phone": "(217) 555-0199", "city": "Springfield", "address_line1": "1 Oak Lane"},
    )

    assert sorted(change.field for change in changes) == ["address_line1", "phone"]
    rows = ProfileChange.objects.filter(member=member).order_by("field")
    assert [(r.field, r.old_value, r.new_value, r.changed_by) for r in rows] == [
        ("address_line1", "12 Elm Street", "1 Oak Lane", member.user),
        ("phone", "(217) 555-0100", "(217) 555-0199", member.user),
    ]


def test_a_member_cannot_change_the_legal_name_but_staff_can():
    member = MemberFactory(first_name="Pat")
    administrator = make_staff("Administrator")

    with pytest.raises(ValidationError, match="first_name"):
        services.member_update_profile(
            member=member, changed_by=member.user, fields={"first_name": "Patricia"}
        )
    member.refresh_from_db()
    assert member.first_name == "Pat"
    assert not ProfileChange.objects.exists()

    services.member_update_profile(member=member, changed_by=administrator, fields={"first_name": "Patricia"})
    member.refresh_from_db()
    assert member.first_name == "Patricia"
    assert ProfileChange.objects.get().changed_by == administrator


def test_an_invalid_profile_value_changes_nothing():
    member = MemberFactory()

    with pytest.raises(ValidationError):
        services.member_update_profile(
            member=member, changed_by=member.user, fields={"phone": "(217) 555-0199", "country": "USA"}
        )

    member.refresh_from_db()
    assert (member.phone, member.country) == ("", "US")
    assert not ProfileChange.objects.exists()


# --- Contact details: every door refuses the same nonsense (issue 12) -----------------------------------

CONTACT_FIELDS = ("phone", "address_line1", "address_line2", "city", "state", "postal_code", "country")


def contact(member) -> dict[str, str]:
    member.refresh_from_db()
    return {name: getattr(member, name) for name in CONTACT_FIELDS}


@pytest.mark.parametrize(
    ("saved", "fields", "errors"),
    [
        ({}, {"postal_code": "ABCDE"}, {"postal_code": BAD_ZIP}),
        ({}, {"state": "Not a state"}, {"state": BAD_STATE}),
        ({}, {"phone": "call me maybe"}, {"phone": BAD_PHONE}),
        ({}, {"country": "ZZ"}, {"country": BAD_COUNTRY}),
        # Back to the US from abroad: the region and postal code kept must fit a US address
        (
            {"country": "CA", "state": "ON", "postal_code": "M5V 2T6"},
            {"country": "US"},
            {"state": BAD_STATE, "postal_code": BAD_ZIP},
        ),
    ],
    ids=["zip", "state", "phone", "country", "country-with-kept-fields"],
)
def test_a_wrong_contact_value_is_refused_with_its_message_and_changes_nothing(saved, fields, errors):
    member = MemberFactory(phone="(217) 555-0100", **saved)
    before = contact(member)

    with pytest.raises(ValidationError) as refused:
        services.member_update_profile(member=member, changed_by=member.user, fields=fields)

    assert refused.value.message_dict == {name: [message] for name, message in errors.items()}
    assert contact(member) == before
    assert not ProfileChange.objects.exists()


def test_good_contact_values_are_stored_normalized_with_a_row_per_real_change():
    member = MemberFactory(phone="(217) 555-0100", state="IL", postal_code="62701")

    changes = services.member_update_profile(
        member=member,
        changed_by=member.user,
        fields={
            "phone": " 217.555.0100 ",  # the same number as before, typed otherwise: no change
            "city": " Peoria ",
            "state": "il",
            "postal_code": "616021234",
            "country": "us",
        },
    )

    assert contact(member) == {
        "phone": "(217) 555-0100",
        "address_line1": "12 Elm Street",
        "address_line2": "",
        "city": "Peoria",
        "state": "IL",
        "postal_code": "61602-1234",
        "country": "US",
    }
    assert sorted((c.field, c.old_value, c.new_value) for c in changes) == [
        ("city", "Springfield", "Peoria"),
        ("postal_code", "62701", "61602-1234"),
    ]


def test_an_address_abroad_keeps_its_own_region_and_postal_code_and_the_phone_is_international():
    member = MemberFactory()

    services.member_update_profile(
        member=member,
        changed_by=member.user,
        fields={
            "address_line1": "10 Downing Street",
            "city": "London",
            "state": "Greater London",
            "postal_code": "SW1A 2AA",
            "country": "GB",
            "phone": "020 7946 0958",
        },
    )

    assert contact(member) == {
        "phone": "+44 20 7946 0958",
        "address_line1": "10 Downing Street",
        "address_line2": "",
        "city": "London",
        "state": "Greater London",
        "postal_code": "SW1A 2AA",
        "country": "GB",
    }


def test_a_member_may_remove_the_address_and_the_phone():
    member = MemberFactory(phone="(217) 555-0100")

    services.member_update_profile(
        member=member, changed_by=member.user, fields=dict.fromkeys(CONTACT_FIELDS[:-1], "")
    )

    member.refresh_from_db()
    assert not member.has_mailing_address and member.phone == ""


def test_a_new_member_s_contact_details_are_checked_and_normalized_like_a_profile_change():
    with pytest.raises(ValidationError) as refused:
        services.member_create(
            member_number="900001",
            email="ann@example.org",
            first_name="Ann",
            last_name="Lee",
            invite=False,
            state="Not a state",
            postal_code="ABCDE",
            phone="call me maybe",
        )
    assert refused.value.message_dict == {
        "state": [BAD_STATE],
        "postal_code": [BAD_ZIP],
        "phone": [BAD_PHONE],
    }
    assert not Member.objects.exists() and not User.objects.exists()

    member = services.member_create(
        member_number="900001",
        email="ann@example.org",
        first_name="Ann",
        last_name="Lee",
        invite=False,
        state="il",
        postal_code=" 62701 ",
        phone="2175550123",
    )
    assert (member.state, member.postal_code, member.phone) == ("IL", "62701", "(217) 555-0123")


@pytest.mark.django_db(transaction=True)
def test_the_daily_job_does_not_wait_for_a_certification_being_added_elsewhere(seeded):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL: set DATABASE_URL")
    # Given a certification, and another session adding an MT certification: like every insert of a
    # certification, it holds a key-share lock on the credential row until it commits
    certification = make_certification(code="MT", certified_on=CERTIFIED_ON, today=FIRST_DAY)
    other = psycopg2.connect(**connection.get_connection_params())
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT id FROM members_credential WHERE code = 'MT' FOR KEY SHARE")
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")

        # When the daily job runs meanwhile
        changed = services.certifications_refresh_statuses(today=LAPSE_DAY, source="daily status job")
    finally:
        other.rollback()
        other.close()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")

    # Then it did its work without waiting for the other session (it locks certifications only)
    assert changed == 1
    certification.refresh_from_db()
    assert certification.status == "lapsed"

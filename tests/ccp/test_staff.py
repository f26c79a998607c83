"""The staff page "CCP history": who may open it, what it shows, and its query count."""

import datetime
import itertools
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from ccp import services
from ccp.models import ActivityCategory, Cycle
from members.models import Certification
from tests.factories import MemberFactory, make_certification, make_staff

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 15)
ONE_DAY = datetime.timedelta(days=1)
titles = itertools.count(1)


def page_text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def ccp_url(member) -> str:
    return reverse("ccp:staff_member_ccp", args=[member.member_number])


@pytest.fixture
def today(time_machine):
    time_machine.move_to(datetime.datetime(2026, 3, 15, 15, tzinfo=datetime.UTC), tick=False)
    return TODAY


@pytest.fixture
def reviewer(client):
    user = make_staff("Audit reviewer")
    client.force_login(user)
    return user


def certify(member=None, *, code="RMA", certified_on: datetime.date) -> Certification:
    """Fees paid well ahead, so cycles go on rolling whatever the test's dates; the first cycle open."""
    certification = make_certification(
        member,
        code=code,
        certified_on=certified_on,
        today=certified_on,
        paid_through=datetime.date(2030, 12, 31),
    )
    services.cycle_open_current(certification=certification, today=certified_on)
    return certification


def record(certification, on: datetime.date, *, code="professional-education", quantity="1"):
    return services.activity_record(
        certification=Certification.objects.get(pk=certification.pk),
        today=on,
        recorded_by=None,
        category=ActivityCategory.objects.get(code=code),
        title=f"Course no. {next(titles)}",
        completed_on=on,
        quantity=Decimal(quantity),
        helps_job=True,
    )


def open_cycle(certification) -> Cycle:
    return Cycle.objects.get(certification=certification, state=Cycle.State.OPEN)


def earn_capped_points_and_roll(certification) -> Cycle:
    """In the open cycle: 4 articles (20 points, 15 count under the cap) and a 20-hour course; it rolls."""
    cycle = open_cycle(certification)
    for offset in range(4):
        record(certification, cycle.start_on + datetime.timedelta(days=30 + offset), code="authorship")
    record(certification, cycle.start_on + datetime.timedelta(days=90), quantity="20")
    services.cycles_roll(today=cycle.end_on + ONE_DAY)
    cycle.refresh_from_db()
    return cycle


# --- Who may open the page ----------------------------------------------------------------------------


def test_a_member_gets_403(client):
    member = MemberFactory()
    client.force_login(member.user)

    assert client.get(ccp_url(member)).status_code == 403


def test_billing_staff_do_not_see_ce_history(client):
    """Billing staff find members but do not read their CE history (DOMAIN.md "People and rights")."""
    client.force_login(make_staff("Billing staff"))
    member = MemberFactory()

    record_page = client.get(reverse("members:staff_member", args=[member.member_number]))

    assert ccp_url(member) not in record_page.content.decode()
    assert client.get(ccp_url(member)).status_code == 403


def test_staff_without_two_factor_are_sent_to_set_it_up(client):
    client.force_login(make_staff("Audit reviewer", two_factor_secret=None))

    response = client.get(ccp_url(MemberFactory()))

    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp")


def test_an_anonymous_visitor_is_asked_to_sign_in(client):
    response = client.get(ccp_url(MemberFactory()))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_an_unknown_member_number_is_404(client, reviewer):
    assert client.get(reverse("ccp:staff_member_ccp", args=["999999"])).status_code == 404


@pytest.mark.parametrize("role", ["Audit reviewer", "Recertification processor", "Administrator"])
def test_reviewers_processors_and_administrators_see_the_page_linked_from_the_member_record(client, role):
    client.force_login(make_staff(role))
    member = MemberFactory()

    record_page = client.get(reverse("members:staff_member", args=[member.member_number]))

    assert f'href="{ccp_url(member)}"' in record_page.content.decode()
    assert client.get(ccp_url(member)).status_code == 200


# --- What it shows ------------------------------------------------------------------------------------


def test_closed_cycles_show_their_stored_result_and_the_open_one_its_live_result(client, reviewer, today):
    certification = certify(certified_on=datetime.date(2023, 1, 10))
    closed = earn_capped_points_and_roll(certification)
    current = open_cycle(certification)
    for offset in range(4):
        record(certification, datetime.date(2026, 2, 1) + datetime.timedelta(days=offset), code="authorship")
    record(certification, datetime.date(2026, 3, 1), quantity="8")

    text = page_text(client.get(ccp_url(certification.member)))

    assert "CCP required: 30 points per three-year cycle" in text
    assert "2023-01-10 to 2026-01-09 Closed: compliant 35 / 30" in text
    assert f"Closed: compliant 35 / 30 — — {closed.closed_on:%Y-%m-%d}" in text
    assert "2026-01-10 to 2029-01-09 Open (not yet compliant) 23 / 30" in text
    days_left = (current.end_on - TODAY).days + 1
    assert f"23 of 30 points counted ; 7 points missing; {days_left} days left" in text
    assert "Authorship of written work 20 15 15 (capped)" in text
    assert "category cap of 15 points reached: 0.00 of 5.00 count" in text
    assert text.count("Course no. ") == 5  # the open cycle's activities only

    # An administrator raises the cap: the open cycle counts with it at once, the closed one keeps its result.
    ActivityCategory.objects.filter(code="authorship").update(cap_per_cycle=20)

    text = page_text(client.get(ccp_url(certification.member)))

    assert "2023-01-10 to 2026-01-09 Closed: compliant 35 / 30" in text
    assert "28 of 30 points counted ; 2 points missing" in text


def test_attestation_audit_flag_failed_cycle_and_exemption_are_shown(client, reviewer, today):
    member = MemberFactory(first_name="Pat", last_name="Quinn")
    attested = certify(member, code="RMA", certified_on=datetime.date(2025, 4, 2))
    services.cycle_attest(
        cycle=open_cycle(attested), signed_name="Pat Quinn", today=datetime.date(2026, 3, 2), user=member.user
    )
    Cycle.objects.filter(certification=attested).update(under_audit=True)  # the audits app sets it
    failed = certify(member, code="AHI", certified_on=datetime.date(2022, 9, 1))
    record(failed, datetime.date(2024, 5, 5), quantity="6")
    services.cycles_roll(today=datetime.date(2025, 9, 1))
    make_certification(member, code="MT", certified_on=datetime.date(1998, 9, 14), today=TODAY)

    text = page_text(client.get(ccp_url(member)))

    assert "compliant by attestation" in text
    assert "Attested by Pat Quinn on 2026-03-02" in text
    assert "under audit" in text
    assert "2022-09-01 to 2025-08-31 Closed: not compliant 6 / 30" in text
    assert "No open cycle: the certification is not active, the way back is recertification." in text
    assert "Non-compliant (CCP)" in text
    assert "Exempt from CCP: certified before 2006" in text


def test_a_period_shows_which_days_counted_and_why(client, reviewer, time_machine):
    time_machine.move_to(datetime.datetime(2021, 7, 15, 15, tzinfo=datetime.UTC), tick=False)
    certification = certify(certified_on=datetime.date(2020, 3, 1))
    services.activity_record(
        certification=certification,
        today=datetime.date(2021, 7, 15),
        recorded_by=None,
        category=ActivityCategory.objects.get(code="employment"),
        title="Medical assistant, Lakeside Clinic",
        period_start=datetime.date(2019, 1, 1),
        period_end=None,
        helps_job=True,
    )

    text = page_text(client.get(ccp_url(certification.member)))

    # Mar 1 to Dec 31, 2020: 306 days inside the cycle and on or before the rule's date; 4 x 306 / 365.
    assert "2019-01-01 to ongoing" in text
    assert "306 days counted (2020-03-01 to 2020-12-31)" in text
    assert "Employment verification (employment in the field) is accepted only through Dec 31, 2020" in text
    assert "3.35 of 30 points counted" in text


def test_the_history_of_activity_changes_names_who_made_each_change(client, reviewer, today):
    # Given a course the member changed, and another one member services removed
    certification = certify(certified_on=datetime.date(2026, 1, 10))
    member_user = certification.member.user
    course = record(certification, datetime.date(2026, 2, 1), quantity="2")
    other = record(certification, datetime.date(2026, 2, 2))
    services.activity_update(activity=course, today=TODAY, changed_by=member_user, quantity=Decimal("5"))
    clerk = make_staff("Billing staff", email="clerk@staff.example.org")
    clerk.first_name, clerk.last_name = "Sam", "Clerk"
    clerk.save()
    services.activity_remove(activity=other, today=TODAY, removed_by=clerk)

    text = page_text(client.get(ccp_url(certification.member)))

    # Then the staff page lists both, newest first, with the staff member's name
    assert (
        "History of changes Changes and removals of activities, newest first When Activity Change From To By "
        f"2026-03-15 10:00 {other.title} (February 2, 2026) Removed — — Sam Clerk "
        f"2026-03-15 10:00 {course.title} (February 1, 2026) Quantity 2 5 The member"
    ) in text


# --- Query count --------------------------------------------------------------------------------------


STAFF_CCP_PAGE_QUERIES = 12  # whatever the number of certifications, cycles, activities and changes


def test_the_page_makes_a_fixed_number_of_queries_with_many_cycles_activities_and_changes(
    client, reviewer, today, django_assert_num_queries
):
    # Given two certifications: one with three closed cycles, an attested open one with 40 activities,
    # 30 of them changed; the other with 5 activities
    large = certify(certified_on=datetime.date(2017, 1, 10))
    for _ in range(3):
        earn_capped_points_and_roll(large)
    services.cycle_attest(
        cycle=open_cycle(large), signed_name=large.member.full_name, today=TODAY, user=large.member.user
    )
    courses = [record(large, datetime.date(2026, 1, 11) + datetime.timedelta(days=day)) for day in range(40)]
    for course in courses[:30]:
        services.activity_update(activity=course, today=TODAY, changed_by=reviewer, provider="AMT")
    other = certify(large.member, code="MT", certified_on=datetime.date(2025, 1, 10))
    for day in range(5):
        record(other, datetime.date(2026, 2, 1) + datetime.timedelta(days=day))
    client.get(ccp_url(large.member))  # warms the per-process caches (content types, ...)

    with django_assert_num_queries(STAFF_CCP_PAGE_QUERIES):
        response = client.get(ccp_url(large.member))

    text = page_text(response)
    assert text.count("Closed: compliant 35 / 30") == 3
    assert text.count("Course no. ") == 45 + 30  # the open cycles' activities, and the changed ones
    assert text.count(" Provider — AMT Pat Doe") == 30

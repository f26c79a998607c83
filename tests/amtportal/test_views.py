"""Pages that combine apps (member dashboard, staff home) and how people sign in to them."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from billing import services as billing_services
from ccp import services as ccp_services
from ccp.models import ActivityCategory
from members import services
from tests.conftest import totp_code
from tests.factories import DEFAULT_PASSWORD, MemberFactory, make_certification, make_staff

pytestmark = pytest.mark.django_db

SECRET = "JBSWY3DPEHPK3PXP"
CREDENTIAL_CODES = ["RMA", "RDA", "CMAS", "CMLA", "RPT", "AHI", "MDT", "MT", "MLT", "CLC"]


def page_text(response) -> str:
    """What a person reads on the page: the HTML without tags, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


@pytest.fixture
def today(time_machine):
    time_machine.move_to(datetime.datetime(2026, 3, 2, 10, tzinfo=datetime.UTC), tick=False)
    return datetime.date(2026, 3, 2)


# --- Member dashboard -----------------------------------------------------------------------------


def test_the_dashboard_explains_each_certification_status_and_the_next_step(client, today):
    # Given a member with an Active, a Lapsed and a Non-compliant certification (as of March 2, 2026)
    member = MemberFactory(first_name="Ann")
    make_certification(member, code="RMA", certified_on=datetime.date(2025, 5, 14))
    make_certification(member, code="CMAS", certified_on=datetime.date(2024, 3, 10))
    failed = make_certification(
        member, code="RPT", certified_on=datetime.date(2022, 8, 1), paid_through=datetime.date(2026, 7, 31)
    )
    services.certification_record_ccp_failure(
        certification=failed, cycle_end=datetime.date(2025, 7, 31), today=today, source="CCP: cycle end"
    )
    client.force_login(member.user)

    # When they open their dashboard
    text = page_text(client.get(reverse("home")))

    # Then each certification says its status, until when it is active, what that means and what to do
    assert "Welcome, Ann" in text
    assert f"Member number {member.member_number}" in text
    active, lapsed, noncompliant = (
        text[text.index(f"({code})") : text.index(f"status history of {code}")]
        for code in ("RMA", "CMAS", "RPT")
    )
    assert active.startswith("(RMA) Active Certified on May 14, 2025 Active through May 31, 2026")
    assert "What this means: Your certification is in good standing." in active
    assert (
        "What to do next: Pay your next annual fee by May 31, 2026 and keep recording your CE activities."
        in active
    )
    assert lapsed.startswith(
        "(CMAS) Lapsed (fees) Certified on March 10, 2024 Not active since April 1, 2025"
    )
    assert "Pay every unpaid annual fee (the oldest was due March 31, 2025) to become Active again." in lapsed
    assert noncompliant.startswith("(RPT) Non-compliant (CCP)")
    assert "Not active since August 1, 2025" in noncompliant
    assert "What this means: A CCP cycle ended without the required points" in noncompliant
    assert "What to do next: Apply to recertify, by CCP points or by exam ." in noncompliant


def test_the_dashboard_says_when_ccp_is_not_required(client, today):
    member = MemberFactory()
    make_certification(
        member, certified_on=datetime.date(2003, 2, 10), paid_through=datetime.date(2027, 1, 31)
    )
    client.force_login(member.user)

    text = page_text(client.get(reverse("home")))

    assert "CCP points Exempt (certified before 2006)" in text
    assert "What to do next: Pay your next annual fee by February 28, 2027." in text


def test_the_dashboard_shows_only_the_members_own_certifications(client, today):
    member = MemberFactory()
    make_certification(member, code="RMA", certified_on=datetime.date(2025, 5, 14))
    make_certification(MemberFactory(), code="MT", certified_on=datetime.date(2025, 5, 14))
    client.force_login(member.user)

    text = page_text(client.get(reverse("home")))

    assert "(RMA)" in text
    assert "(MT)" not in text


# Whatever the number of certifications, activities and invoices: the session, the user, the certifications
# with their member and credential, the open cycles, the CCP categories, the activities, the open invoices,
# the policy's grace days and the open or recent audits. The open recertification applications are read only
# when a certification's way back is recertification (one more: tests/recert/test_views.py). It was 11 before
# the member came with the certifications and the applications were read only where they can exist (issue 14).
DASHBOARD_QUERIES = 9


def test_the_dashboard_makes_a_fixed_number_of_queries_with_10_certifications_invoices_and_activities(
    client, today, django_assert_num_queries
):
    # Given ten certifications whose next fee (due March 31, 2026) is invoiced, three courses in each
    member = MemberFactory()
    for code in CREDENTIAL_CODES:
        certification = make_certification(member, code=code, certified_on=datetime.date(2025, 3, 14))
        for number in range(3):
            ccp_services.activity_record(
                certification=certification,
                today=today,
                recorded_by=None,
                category=ActivityCategory.objects.get(code="professional-education"),
                title=f"Course {number}",
                completed_on=datetime.date(2026, 2, 1 + number),
                quantity=Decimal("2"),
                helps_job=True,
            )
    assert billing_services.invoices_issue_due(today=today) == 10
    client.force_login(member.user)
    client.get(reverse("home"))  # warm the per-process caches

    with django_assert_num_queries(DASHBOARD_QUERIES):
        response = client.get(reverse("home"))

    text = page_text(response)
    assert text.count("Details and status history") == 10
    assert text.count("CCP: 6.00 of ") == 10
    assert text.count("Next fee due:") == 10


# --- "What's coming": the warning before it is too late (issue 12) ---------------------------------------


def member_with_points(today, *, days_left: int, hours: str):
    """An RMA (30 points per cycle) whose cycle has `days_left` days left, its fees paid through the fee year
    ending next year, with `hours` of professional education recorded in the cycle."""
    cycle_end = today + datetime.timedelta(days=days_left - 1)
    certified_on = cycle_end + datetime.timedelta(days=1)
    certified_on = certified_on.replace(year=certified_on.year - 3)
    paid_through = datetime.date(today.year + 1, certified_on.month, 1) - datetime.timedelta(days=1)
    member = MemberFactory()
    certification = make_certification(
        member, certified_on=certified_on, today=today, paid_through=paid_through
    )
    ccp_services.activity_record(
        certification=certification,
        today=today,
        recorded_by=None,
        category=ActivityCategory.objects.get(code="professional-education"),
        title="Infection control update",
        completed_on=today - datetime.timedelta(days=10),
        quantity=Decimal(hours),
        helps_job=True,
    )
    return member, cycle_end


def timeline_items(response, urgency: str) -> list[str]:
    """The text of the "What's coming" items of one urgency ("ok", "amber", "red")."""
    items = re.findall(rf'<li [^>]*data-urgency="{urgency}"[^>]*>(.*?)</li>', response.content.decode(), re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in items]


def test_a_member_12_points_short_with_60_days_left_is_warned_in_amber_with_the_pace(client, today):
    # Given an RMA with 18 of 30 points and 60 days left (the cycle ends April 30, 2026)
    member, cycle_end = member_with_points(today, days_left=60, hours="18")
    assert cycle_end == datetime.date(2026, 4, 30)
    client.force_login(member.user)

    # When they open their dashboard
    response = client.get(reverse("home"))

    # Then the cycle's end is an amber item saying so in words, with the points missing and the pace
    assert timeline_items(response, "amber") == [
        "Action needed CCP cycle ends on April 30, 2026: 12 points missing, about 6.1 points a month"
    ]
    assert timeline_items(response, "red") == []
    text = page_text(response)
    assert "What's coming" in text
    assert "Next annual fee due on May 31, 2027" in timeline_items(response, "ok")
    # and the day it would stop being Active, with the reason
    assert (
        "If nothing is done: Action needed Active through April 30, 2026 because your CCP cycle ends on "
        "April 30, 2026 and you are 12 points short." in text
    )


def test_a_member_short_of_points_with_30_days_left_is_warned_in_red(client, today):
    member, _ = member_with_points(today, days_left=30, hours="25")
    client.force_login(member.user)

    response = client.get(reverse("home"))

    assert timeline_items(response, "red") == [
        "Urgent CCP cycle ends on March 31, 2026: 5 points missing, all of them within the 30 days left"
    ]
    assert timeline_items(response, "amber") == []
    assert "Urgent Active through March 31, 2026 because your CCP cycle ends on March 31, 2026" in page_text(
        response
    )


def test_a_compliant_member_gets_no_warning_and_the_fee_explains_active_through(client, today):
    member, _ = member_with_points(today, days_left=60, hours="30")
    client.force_login(member.user)

    response = client.get(reverse("home"))

    assert timeline_items(response, "amber") == timeline_items(response, "red") == []
    assert timeline_items(response, "ok") == [
        "CCP cycle ends on April 30, 2026: you have the required points",
        "Next annual fee due on May 31, 2027",
    ]
    assert (
        "If nothing is done: Active through May 31, 2027 because your next annual fee is due on May 31, 2027 "
        "and is not paid yet." in page_text(response)
    )
    assert "Action needed" not in page_text(response)


def test_the_dashboard_timeline_adds_no_inline_style_or_script(client, today):
    member, _ = member_with_points(today, days_left=60, hours="18")
    client.force_login(member.user)

    html = client.get(reverse("home")).content.decode()

    start = html.index("What's coming")
    timeline = html[start : html.index("What this means", start)]
    assert "style=" not in timeline
    assert "<script" not in timeline


def test_an_anonymous_visitor_is_asked_to_sign_in(client):
    # A visitor's home says what the portal is, with the way in and the public status check
    response = client.get(reverse("home"))

    assert response.status_code == 200
    text = page_text(response)
    assert (
        "Certified members renew their certification, pay the annual fee, record their continuing education "
        "(CE) as CCP points and check their status here."
    ) in text
    assert "Employers and anyone else can verify a certification without an account." in text
    page = response.content.decode()
    assert re.search(rf'<a class="btn[^"]*" href="{reverse("account_login")}">Sign in</a>', page)
    assert re.search(
        rf'<a class="btn[^"]*" href="{reverse("members:verify")}">Check a certification</a>', page
    )
    assert "Dashboard" not in text

    # and a member's own page still sends them to sign in
    private = client.get(reverse("billing:invoices"))
    assert private.status_code == 302
    assert private.url.startswith(reverse("account_login"))


# --- Staff home and two-factor authentication ------------------------------------------------------


def test_staff_home_lists_the_sections_of_the_role(client):
    client.force_login(make_staff("Billing staff"))

    text = page_text(client.get(reverse("staff_home")))

    assert "Roles: Billing staff" in text
    assert "Find a member Search by member number, name or e-mail" in text
    assert "Administration" not in text


def test_staff_home_lists_every_section_for_an_administrator(client):
    client.force_login(make_staff("Administrator"))

    text = page_text(client.get(reverse("staff_home")))

    assert "Roles: Administrator" in text
    assert "Find a member" in text
    assert "Administration Configuration data" in text


def test_staff_without_a_role_are_told_to_ask_for_one(client):
    user = make_staff("Billing staff")
    user.groups.clear()
    client.force_login(user)

    text = page_text(client.get(reverse("staff_home")))

    assert "Your account has no staff role yet." in text
    assert "Find a member" not in text


def test_a_staff_user_signing_in_lands_on_staff_home(client):
    client.force_login(make_staff("Billing staff"))

    assert client.get(reverse("home")).url == reverse("staff_home")


def test_a_member_gets_403_on_staff_home(client):
    client.force_login(MemberFactory().user)

    assert client.get(reverse("staff_home")).status_code == 403


@pytest.mark.parametrize("path", ["/", "/staff/", "/staff/members/", "/admin/", "/profile/"])
def test_staff_without_two_factor_are_sent_to_set_it_up_from_every_page(client, path):
    client.force_login(make_staff("Administrator", two_factor_secret=None))

    response = client.get(path)

    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp")
    # allauth asks for the password again before showing the set-up page; the reason is on that page
    assert "Staff accounts must use two-factor authentication." in page_text(
        client.get(response.url, follow=True)
    )


@pytest.mark.parametrize("path", ["/staff/", "/staff/members/", "/admin/"])
def test_staff_with_two_factor_open_staff_pages(client, path):
    client.force_login(make_staff("Administrator"))

    assert client.get(path).status_code == 200


def test_the_admin_login_goes_through_the_portal_sign_in(client):
    response = client.get("/admin/login/?next=/admin/")

    assert response.status_code == 302
    assert response.url == reverse("account_login") + "?next=%2Fadmin%2F"


def test_a_member_signed_in_gets_403_on_the_admin_login(client):
    client.force_login(MemberFactory().user)

    assert client.get("/admin/login/").status_code == 403


# --- Signing in --------------------------------------------------------------------------------------


def sign_in(client, email, password, **extra):
    return client.post(reverse("account_login"), {"login": email, "password": password}, **extra)


def test_staff_sign_in_with_the_password_then_a_totp_code(client):
    # Given a staff user with a TOTP authenticator
    user = make_staff("Billing staff", two_factor_secret=SECRET)

    # When they sign in with the password
    response = sign_in(client, user.email, DEFAULT_PASSWORD)

    # Then they are asked for the code, and are not signed in yet
    assert response.status_code == 302
    assert response.url == reverse("mfa_authenticate")
    assert client.get(reverse("staff_home")).status_code == 302

    # When they enter a valid code
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(SECRET)})

    # Then they are signed in and reach the staff pages
    assert response.status_code == 302
    staff_home = client.get(reverse("staff_home"))
    assert staff_home.status_code == 200
    assert f"Signed in as {user.email}" in page_text(staff_home)


def test_a_wrong_totp_code_does_not_sign_in(client):
    user = make_staff("Billing staff", two_factor_secret=SECRET)
    sign_in(client, user.email, DEFAULT_PASSWORD)
    wrong = f"{(int(totp_code(SECRET)) + 1) % 1000000:06d}"

    response = client.post(reverse("mfa_authenticate"), {"code": wrong})

    assert "Incorrect code." in page_text(response)
    assert client.get(reverse("staff_home")).status_code == 302


def test_a_member_signs_in_with_the_password_only(client):
    member = MemberFactory(first_name="Ann")

    response = sign_in(client, member.user.email.upper(), DEFAULT_PASSWORD, follow=True)

    assert "Welcome, Ann" in page_text(response)


def test_after_5_failed_sign_ins_even_the_right_password_is_refused(client):
    # Given a member whose password was guessed wrong 5 times (ACCOUNT_RATE_LIMITS: 5/5m per e-mail)
    member = MemberFactory()
    for attempt in range(5):
        failed = sign_in(client, member.user.email, f"wrong-guess-{attempt}")
        assert "The email address and/or password you specified are not correct." in page_text(failed)

    # When the 6th attempt has the right password
    response = sign_in(client, member.user.email, DEFAULT_PASSWORD)

    # Then it is refused with the message saying how long, and nobody is signed in
    assert response.status_code == 200
    assert (
        "Too many failed sign-in attempts for this account. Try again in 5 minutes, or reset your password."
        in page_text(response)
    )
    assert "_auth_user_id" not in client.session


def test_failed_sign_ins_for_another_address_do_not_lock_a_member_out(client):
    member = MemberFactory(first_name="Ann")
    for attempt in range(5):
        sign_in(client, "someone.else@example.org", f"wrong-guess-{attempt}")

    response = sign_in(client, member.user.email, DEFAULT_PASSWORD, follow=True)

    assert "Welcome, Ann" in page_text(response)

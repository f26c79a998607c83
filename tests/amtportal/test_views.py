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
    assert "What to do next: Apply to recertify, by CCP points or by exam." in noncompliant


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


DASHBOARD_QUERIES = 8  # whatever the number of certifications, activities and invoices


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


def test_an_anonymous_visitor_is_asked_to_sign_in(client):
    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


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

    # Then it is refused with the throttling message and nobody is signed in
    assert response.status_code == 200
    assert "Too many failed login attempts. Try again later." in page_text(response)
    assert client.get(reverse("home")).status_code == 302


def test_failed_sign_ins_for_another_address_do_not_lock_a_member_out(client):
    member = MemberFactory(first_name="Ann")
    for attempt in range(5):
        sign_in(client, "someone.else@example.org", f"wrong-guess-{attempt}")

    response = sign_in(client, member.user.email, DEFAULT_PASSWORD, follow=True)

    assert "Welcome, Ann" in page_text(response)

"""Staff pages of the members app: who may open them, what they show, and their query counts."""

import datetime
import re

import pytest
from django.urls import reverse

from members import services
from members.models import Member, Notice, ProfileChange
from members.rules.contact import BAD_PHONE, BAD_STATE, BAD_ZIP
from tests.factories import MemberFactory, credential, make_certification, make_staff

pytestmark = pytest.mark.django_db

CREDENTIAL_CODES = ["RMA", "RDA", "CMAS", "CMLA", "RPT", "AHI", "MDT", "MT", "MLT", "CLC"]


def page_text(response) -> str:
    """What a person reads on the page: the HTML without tags, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


@pytest.fixture
def clerk(client):
    user = make_staff("Billing staff")
    client.force_login(user)
    return user


def search_url(query: str) -> str:
    return reverse("members:staff_member_search") + f"?q={query}"


# --- Who may open the pages -------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["members:staff_member_search", "members:staff_member"])
def test_a_member_gets_403_on_staff_pages(client, page):
    member = MemberFactory()
    client.force_login(member.user)

    args = [member.member_number] if page == "members:staff_member" else []
    assert client.get(reverse(page, args=args)).status_code == 403


def test_staff_without_the_search_permission_get_403(client):
    user = make_staff("Billing staff")
    user.groups.clear()
    client.force_login(user)

    assert client.get(search_url("Lee")).status_code == 403
    assert (
        client.get(reverse("members:staff_member", args=[MemberFactory().member_number])).status_code == 403
    )


def test_staff_without_two_factor_are_sent_to_set_it_up(client):
    client.force_login(make_staff("Billing staff", two_factor_secret=None))

    response = client.get(reverse("members:staff_member_search"))

    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp")


def test_an_anonymous_visitor_is_asked_to_sign_in(client):
    response = client.get(reverse("members:staff_member_search"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


# --- Search and record --------------------------------------------------------------------------------


def test_staff_find_members_by_number_e_mail_or_name(client, clerk):
    ann = MemberFactory(first_name="Ann", last_name="Lee", user__email="ann@example.org")
    MemberFactory(first_name="Bo", last_name="Ray")

    by_number = page_text(client.get(search_url(ann.member_number)))
    by_email = page_text(client.get(search_url("ANN@example.org")))
    by_name = page_text(client.get(search_url("lee ann")))

    for text in (by_number, by_email, by_name):
        assert "1 member found" in text
        assert f"{ann.member_number} Lee, Ann ann@example.org" in text
        assert "Ray" not in text


def test_an_empty_search_lists_nobody(client, clerk):
    MemberFactory()

    text = page_text(client.get(search_url("")))

    assert "found" not in text


def test_a_member_record_shows_certifications_status_history_and_profile_history(client, clerk, time_machine):
    time_machine.move_to(datetime.datetime(2026, 6, 10, 9, tzinfo=datetime.UTC), tick=False)
    member = MemberFactory(first_name="Ann", last_name="Lee", phone="(217) 555-0100")
    certification = make_certification(
        member, certified_on=datetime.date(2025, 5, 14), today=datetime.date(2025, 6, 1)
    )
    services.certifications_refresh_statuses(today=datetime.date(2026, 6, 10), source="daily status job")
    services.member_update_profile(member=member, changed_by=member.user, fields={"phone": "(217) 555-0123"})

    response = client.get(reverse("members:staff_member", args=[member.member_number]))

    text = page_text(response)
    assert "Ann Lee" in text
    assert f"E-mail {member.user.email}" in text
    assert "Phone (217) 555-0123" in text
    assert "Mailing address Ann Lee, 12 Elm Street, Springfield, IL 62701" in text
    assert "RMA · Registered Medical Assistant Lapsed (fees)" in text
    assert "Lapse date 2026-06-01" in text
    assert "2026-06-10 Active Lapsed (fees)" in text
    assert "daily status job" in text
    assert f"Phone (217) 555-0100 (217) 555-0123 {member.user.email}" in text  # the field's label
    assert certification.verification_token not in response.content.decode()


def test_an_unknown_member_number_is_not_found(client, clerk):
    assert client.get(reverse("members:staff_member", args=["999999"])).status_code == 404


def test_an_administrator_sends_the_invitation_again_to_a_member_who_has_not_accepted_it(
    client, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        member = services.member_create(
            member_number="900001", email="ann@example.org", first_name="Ann", last_name="Lee"
        )
    client.force_login(make_staff("Administrator"))
    record = page_text(client.get(reverse("members:staff_member", args=["900001"])))
    assert "invitation not yet accepted" in record

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("members:staff_resend_invitation", args=["900001"]), follow=True)

    assert "Invitation sent again to ann@example.org." in page_text(response)
    assert len(mailoutbox) == 2
    assert Notice.objects.filter(member=member, kind="invitation", state="sent").count() == 2


def test_billing_staff_cannot_resend_an_invitation(client, clerk, mailoutbox):
    member = services.member_create(
        member_number="900001", email="ann@example.org", first_name="Ann", last_name="Lee", invite=False
    )

    record = page_text(client.get(reverse("members:staff_member", args=["900001"])))
    response = client.post(reverse("members:staff_resend_invitation", args=["900001"]))

    assert "Send the invitation again" not in record
    assert response.status_code == 403
    assert not Notice.objects.filter(member=member).exists()


def test_no_invitation_is_resent_to_a_member_who_has_a_password(client, mailoutbox):
    member = MemberFactory()
    client.force_login(make_staff("Administrator"))

    response = client.post(
        reverse("members:staff_resend_invitation", args=[member.member_number]), follow=True
    )

    assert "This member has already set a password" in page_text(response)
    assert not Notice.objects.exists()


# --- Query counts ---------------------------------------------------------------------------------------


# Absolute budgets, measured with many rows: a query that grows with the rows fails them.
SEARCH_QUERIES = 6
# The record for billing staff: 9 of its own, the certifications' Credly badges (none here), and a count for
# each section of the composer billing staff read, invoices and notices (empty here: no rows read).
MEMBER_RECORD_QUERIES = 12


def test_the_search_makes_a_fixed_number_of_queries_with_40_members_found(
    client, clerk, django_assert_num_queries
):
    MemberFactory.create_batch(40, last_name="Lee")
    client.get(search_url("Lee"))  # warm the per-process caches (content types, ...)

    with django_assert_num_queries(SEARCH_QUERIES):
        response = client.get(search_url("Lee"))

    assert "40 members found" in page_text(response)


def test_a_member_record_makes_a_fixed_number_of_queries_with_10_certifications_and_30_profile_changes(
    client, clerk, django_assert_num_queries
):
    # Given ten certifications that each lapsed (a status history row each) and 30 profile changes
    member = MemberFactory()
    today = datetime.date(2026, 6, 10)
    for code in CREDENTIAL_CODES:
        certification = services.certification_create(
            member=member,
            credential=credential(code),
            certified_on=datetime.date(2025, 5, 14),
            today=datetime.date(2025, 6, 1),
            actor=clerk,
            source="test",
        )
        services.certification_refresh_status(certification=certification, today=today, source="daily job")
    for number in range(30):
        author = clerk if number % 2 else member.user
        services.member_update_profile(
            member=member, changed_by=author, fields={"phone": f"(217) 555-01{number:02d}"}
        )
    url = reverse("members:staff_member", args=[member.member_number])
    client.get(url)  # warm the per-process caches

    with django_assert_num_queries(MEMBER_RECORD_QUERIES):
        response = client.get(url)

    text = page_text(response)
    assert text.count("Active Lapsed (fees)") == 10  # one history row per certification
    assert response.content.decode().count("<td>Phone</td>") == 30  # the history rows, by the field's label


# --- Admin: writes go through the services ------------------------------------------------------------


def admin_member_data(**values) -> dict[str, str]:
    """The admin's member form as a browser posts it, with no certification rows in the inline."""
    fields = ("member_number", "first_name", "middle_name", "last_name", "phone", "address_line1")
    fields += ("address_line2", "city", "state", "postal_code", "country")
    inline = {"certifications-TOTAL_FORMS": "0", "certifications-INITIAL_FORMS": "0"}
    return dict.fromkeys(fields, "") | {"country": "US"} | inline | values


def test_an_administrator_adds_a_member_in_the_admin_and_the_member_is_invited(
    client, django_capture_on_commit_callbacks, mailoutbox
):
    client.force_login(make_staff("Administrator"))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:members_member_add"),
            admin_member_data(
                member_number="900001", first_name="Ann", last_name="Lee", email="Ann@Example.org"
            ),
            follow=True,
        )

    assert "An invitation was sent to ann@example.org." in page_text(response)
    member = Member.objects.get(member_number="900001")
    assert (member.full_name, member.user.email) == ("Ann Lee", "ann@example.org")
    assert [email.to for email in mailoutbox] == [["ann@example.org"]]


def test_the_admin_refuses_a_new_member_s_nonsense_address_beside_the_fields(client, mailoutbox):
    client.force_login(make_staff("Administrator"))

    response = client.post(
        reverse("admin:members_member_add"),
        admin_member_data(
            member_number="900001",
            first_name="Ann",
            last_name="Lee",
            email="ann@example.org",
            state="Not a state",
            postal_code="ABCDE",
            phone="call me maybe",
        ),
    )

    assert response.status_code == 200  # the form again, not a crash
    errors = response.context["adminform"].form.errors
    assert errors == {"state": [BAD_STATE], "postal_code": [BAD_ZIP], "phone": [BAD_PHONE]}
    assert BAD_ZIP in page_text(response)
    assert not Member.objects.exists() and mailoutbox == []


def test_the_admin_refuses_a_nonsense_change_and_stores_good_values_normalized(client):
    administrator = make_staff("Administrator")
    member = MemberFactory(first_name="Ann", last_name="Lee")
    client.force_login(administrator)
    data = admin_member_data(
        first_name="Ann", last_name="Lee", address_line1="12 Elm Street", city="Springfield"
    )
    data.pop("member_number")  # read-only once the member exists
    url = reverse("admin:members_member_change", args=[member.pk])

    refused = client.post(url, data | {"state": "IL", "postal_code": "ABCDE"})
    client.post(url, data | {"state": "il", "postal_code": "62701-1234", "phone": "217 555 0123"})

    assert refused.context["adminform"].form.errors == {"postal_code": [BAD_ZIP]}
    member.refresh_from_db()
    assert (member.state, member.postal_code, member.phone) == ("IL", "62701-1234", "(217) 555-0123")
    assert sorted(ProfileChange.objects.values_list("field", "new_value")) == [
        ("phone", "(217) 555-0123"),
        ("postal_code", "62701-1234"),
    ]


def test_an_administrator_corrects_a_legal_name_in_the_admin_with_a_history_row(client):
    administrator = make_staff("Administrator")
    member = MemberFactory(first_name="Ann", last_name="Lee")
    client.force_login(administrator)
    data = admin_member_data(first_name="Anne", last_name="Lee", address_line1="12 Elm Street")
    data |= {"city": "Springfield", "state": "IL", "postal_code": "62701"}
    data.pop("member_number")  # read-only once the member exists

    client.post(reverse("admin:members_member_change", args=[member.pk]), data)

    member.refresh_from_db()
    assert member.first_name == "Anne"
    change = ProfileChange.objects.get(member=member)
    assert (change.field, change.old_value, change.new_value, change.changed_by) == (
        "first_name",
        "Ann",
        "Anne",
        administrator,
    )


def test_an_administrator_adds_a_certification_in_the_admin_with_its_status_and_history(client, time_machine):
    time_machine.move_to(datetime.datetime(2026, 3, 2, 10, tzinfo=datetime.UTC), tick=False)
    administrator = make_staff("Administrator")
    member = MemberFactory()
    client.force_login(administrator)

    client.post(
        reverse("admin:members_certification_add"),
        {"member": member.pk, "credential": credential("MT").pk, "certified_on": "2026-02-10"},
    )

    certification = member.certifications.get()
    assert (certification.status, certification.active_through) == ("active", datetime.date(2027, 2, 28))
    change = certification.status_changes.get()
    assert (change.to_status, change.changed_by, change.source) == ("active", administrator, "admin")
    assert certification.cycles.get().start_on == datetime.date(2026, 2, 10)  # its first CCP cycle is open

"""Member pages (profile, certification, invitation) and the public "Check your status"."""

import datetime
import re
from urllib.parse import urlparse

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from members import services
from members.models import ProfileChange, StatusChange
from tests.factories import DEFAULT_PASSWORD, MemberFactory, make_certification, make_staff

pytestmark = pytest.mark.django_db

TODAY = datetime.datetime(2026, 3, 2, 10, tzinfo=datetime.UTC)


def page_text(response) -> str:
    """What a person reads on the page: the HTML without tags, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


@pytest.fixture
def today(time_machine):
    time_machine.move_to(TODAY, tick=False)
    return TODAY.date()


# --- Certification page: own only -----------------------------------------------------------------


def test_a_member_sees_their_certification_with_its_status_history(client, today):
    certification = make_certification(certified_on=datetime.date(2025, 5, 14))
    client.force_login(certification.member.user)

    response = client.get(reverse("members:certification", args=[certification.pk]))

    text = page_text(response)
    assert "Registered Medical Assistant (RMA)" in text
    assert "Active through May 31, 2026" in text
    assert "Anniversary month May (fees are due on its last day)" in text
    assert "2026-03-02 (new) Active In good standing through May 31, 2026." in text


def test_a_member_opening_another_members_certification_gets_404(client):
    mine = make_certification(certified_on=datetime.date(2025, 5, 14), today=datetime.date(2025, 6, 1))
    theirs = make_certification(certified_on=datetime.date(2025, 5, 14), today=datetime.date(2025, 6, 1))
    client.force_login(mine.member.user)

    assert client.get(reverse("members:certification", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("members:certification", args=[theirs.pk + 1000])).status_code == 404


def test_the_certification_page_asks_an_anonymous_visitor_to_sign_in(client):
    certification = make_certification(
        certified_on=datetime.date(2025, 5, 14), today=datetime.date(2025, 6, 1)
    )

    response = client.get(reverse("members:certification", args=[certification.pk]))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


# --- Profile ----------------------------------------------------------------------------------------


def profile_data(member, **changes) -> dict[str, str]:
    fields = ("phone", "address_line1", "address_line2", "city", "state", "postal_code", "country")
    return {field: getattr(member, field) for field in fields} | changes


def test_the_profile_shows_only_the_members_own_data(client):
    member = MemberFactory(first_name="Ann", last_name="Lee", phone="(217) 555-0100")
    other = MemberFactory(
        first_name="Bo", last_name="Ray", phone="(217) 555-0199", address_line1="9 Pine Road"
    )
    client.force_login(member.user)

    text = page_text(client.get(reverse("members:profile")))

    assert f"Member number {member.member_number}" in text
    assert "Legal name Ann Lee" in text
    assert member.user.email in text
    assert other.member_number not in text
    assert other.user.email not in text
    assert "Ray" not in text
    assert "(217) 555-0199" not in text
    assert "9 Pine Road" not in text


def test_saving_the_profile_writes_history_rows_only_for_changed_fields(client):
    # Given a member with a phone and an address
    member = MemberFactory(phone="(217) 555-0100")
    client.force_login(member.user)

    # When they change the phone and the city and submit the rest unchanged
    response = client.post(
        reverse("members:profile"), profile_data(member, phone="217-555-0123", city="Peoria"), follow=True
    )

    # Then they see the change count and the history (the fields' labels, the phone formatted), and two
    # rows were written
    text = page_text(response)
    assert "Profile saved (2 change(s))." in text
    assert "Phone (217) 555-0100 (217) 555-0123 You" in text
    assert "City Springfield Peoria You" in text
    assert sorted(ProfileChange.objects.filter(member=member).values_list("field", flat=True)) == [
        "city",
        "phone",
    ]


def test_saving_an_unchanged_profile_writes_no_history(client):
    member = MemberFactory()
    client.force_login(member.user)

    response = client.post(reverse("members:profile"), profile_data(member), follow=True)

    text = page_text(response)
    assert "Nothing was changed." in text
    assert "Profile saved" not in text
    assert not ProfileChange.objects.exists()


def test_the_legal_name_is_not_offered_and_a_posted_name_is_ignored(client):
    member = MemberFactory(first_name="Ann", last_name="Lee")
    client.force_login(member.user)

    form_html = client.get(reverse("members:profile")).content.decode()
    assert 'name="first_name"' not in form_html
    assert 'name="last_name"' not in form_html

    client.post(
        reverse("members:profile"),
        profile_data(member, first_name="Mallory", last_name="Evil", phone="(217) 555-0123"),
    )

    member.refresh_from_db()
    assert (member.first_name, member.last_name, member.phone) == ("Ann", "Lee", "(217) 555-0123")
    assert list(ProfileChange.objects.values_list("field", flat=True)) == ["phone"]


def test_an_invalid_profile_is_shown_again_with_the_error_and_nothing_saved(client):
    member = MemberFactory()
    client.force_login(member.user)

    response = client.post(
        reverse("members:profile"), profile_data(member, country="USA", phone="(217) 555-0123")
    )

    assert response.status_code == 200
    assert "Ensure this value has at most 2 characters" in page_text(response)
    member.refresh_from_db()
    assert member.phone == ""
    assert not ProfileChange.objects.exists()


def field_error(html: str, field: str) -> str:
    """The error shown beside a field: the text of the element its input names in aria-describedby."""
    assert re.search(rf'aria-describedby="[^"]*id_{field}_error"[^>]*id="id_{field}"', html), field
    block = re.search(rf'<div id="id_{field}_error" class="invalid-feedback">(.*?)</div>', html, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", block.group(1)).split()) if block else ""


def test_nonsense_is_refused_beside_each_field_and_in_a_summary_and_nothing_is_saved(client):
    # Given a member with a complete address
    member = MemberFactory(phone="(217) 555-0100")
    client.force_login(member.user)

    # When they submit a ZIP, a state and a phone that are none
    response = client.post(
        reverse("members:profile"),
        profile_data(member, postal_code="ABCDE", state="Not a state", phone="call me maybe"),
    )

    # Then each error stands beside its field, the summary at the top lists them, and nothing changed
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        field_error(html, "postal_code")
        == "Enter a ZIP code of 5 digits or ZIP+4, such as 62701 or 62701-1234."
    )
    assert field_error(html, "state") == (
        "Enter the two-letter code of a US state, DC, a territory or a military address, such as IL."
    )
    assert field_error(html, "phone").startswith("Enter a phone number with its area code")
    assert '<a href="#id_phone">Phone</a>: Enter a phone number with its area code' in html
    assert '<a href="#id_postal_code">ZIP or postal code</a>: Enter a ZIP code of 5 digits' in html
    text = page_text(response)
    assert "Your profile was not saved. Please correct:" in text
    assert "Profile saved" not in text
    member.refresh_from_db()
    assert (member.phone, member.state, member.postal_code) == ("(217) 555-0100", "IL", "62701")
    assert not ProfileChange.objects.exists()


def test_an_unknown_country_is_refused_beside_the_country(client):
    member = MemberFactory()
    client.force_login(member.user)

    response = client.post(reverse("members:profile"), profile_data(member, country="ZZ"))

    assert field_error(response.content.decode(), "country") == (
        "Enter a two-letter country code (ISO 3166), such as US, CA or GB."
    )
    member.refresh_from_db()
    assert member.country == "US"


def test_saved_values_are_normalized_and_the_history_names_the_fields_by_their_labels(client):
    member = MemberFactory(phone="(217) 555-0100", state="IL", postal_code="62701")
    client.force_login(member.user)

    response = client.post(
        reverse("members:profile"),
        profile_data(member, phone="+1 217 555 0199", state="il", postal_code="62701 1234"),
        follow=True,
    )

    text = page_text(response)
    assert "Profile saved (2 change(s))." in text
    assert "Phone (217) 555-0100 (217) 555-0199 You" in text
    assert "ZIP or postal code 62701 62701-1234 You" in text
    assert "postal_code" not in text
    assert 'value="(217) 555-0199"' in response.content.decode()  # the form shows the formatted phone
    # The rows keep the field's name
    assert sorted(ProfileChange.objects.values_list("field", flat=True)) == ["phone", "postal_code"]


def test_a_member_who_empties_the_address_is_warned_that_letters_cannot_be_mailed(client):
    # Given a member with a complete address sees no warning
    member = MemberFactory()
    client.force_login(member.user)
    warning = "Without a complete mailing address, renewal letters cannot be mailed to you."
    assert warning not in page_text(client.get(reverse("members:profile")))

    # When they empty the address (allowed: a member may have none)
    emptied = dict.fromkeys(("address_line1", "address_line2", "city", "state", "postal_code"), "")
    response = client.post(reverse("members:profile"), profile_data(member, **emptied), follow=True)

    # Then it is saved, and the page warns, saying what a letter needs
    text = page_text(response)
    assert "Profile saved (4 change(s))." in text
    assert f"{warning} No usable mailing address (street, city and ZIP or postal code are needed)." in text
    member.refresh_from_db()
    assert (member.address_line1, member.city, member.state, member.postal_code) == ("", "", "", "")


def test_the_warning_follows_the_saved_address_not_a_refused_form(client):
    # A member without a street address is warned even when the form comes back with errors
    member = MemberFactory(address_line1="")
    client.force_login(member.user)

    response = client.post(
        reverse("members:profile"), profile_data(member, address_line1="1 Oak Lane", state="XX")
    )

    assert "renewal letters cannot be mailed to you" in page_text(response)


def test_an_account_without_member_profile_gets_404_on_the_profile(client):
    member = MemberFactory()
    user = member.user
    member.delete()
    client.force_login(user)

    assert client.get(reverse("members:profile")).status_code == 404


# --- Invitation ---------------------------------------------------------------------------------------

NEW_PASSWORD = "a-long-new-secret-7"


def invite(django_capture_on_commit_callbacks, mailoutbox) -> str:
    with django_capture_on_commit_callbacks(execute=True):
        services.member_create(
            member_number="900001", email="ann.lee@example.org", first_name="Ann", last_name="Lee"
        )
    (link,) = re.findall(r"https?://\S+/invitation/\S+/", mailoutbox[0].body)
    return urlparse(link).path


def test_the_invitation_link_sets_the_password_once_and_the_member_can_sign_in(
    client, django_capture_on_commit_callbacks, mailoutbox
):
    # Given a new member's invitation e-mail
    link = invite(django_capture_on_commit_callbacks, mailoutbox)

    # When they open the link and choose a password
    page = client.get(link)
    assert "Choose a password for ann.lee@example.org" in page_text(page)
    response = client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True)

    # Then their address is verified and they can sign in with it
    assert "Your password is set." in page_text(response)
    assert EmailAddress.objects.get(email="ann.lee@example.org").verified
    signed_in = client.post(
        reverse("account_login"), {"login": "ann.lee@example.org", "password": NEW_PASSWORD}, follow=True
    )
    assert "Welcome, Ann" in page_text(signed_in)

    # And the link does not work a second time
    client.logout()
    again = client.get(link)
    assert again.status_code == 400
    assert "This invitation link is not valid" in page_text(again)


def test_a_weak_password_is_refused_and_the_link_still_works(
    client, django_capture_on_commit_callbacks, mailoutbox
):
    link = invite(django_capture_on_commit_callbacks, mailoutbox)

    response = client.post(link, {"new_password1": "password", "new_password2": "password"})

    assert "This password is too common." in page_text(response)
    assert client.get(link).status_code == 200


def test_the_invitation_link_expires_after_14_days(
    client, django_capture_on_commit_callbacks, mailoutbox, time_machine
):
    time_machine.move_to(datetime.datetime(2026, 3, 2, 10, tzinfo=datetime.UTC), tick=False)
    link = invite(django_capture_on_commit_callbacks, mailoutbox)

    time_machine.move_to(datetime.datetime(2026, 3, 16, 6, tzinfo=datetime.UTC), tick=False)
    on_day_14 = client.get(link)
    time_machine.move_to(datetime.datetime(2026, 3, 17, 11, tzinfo=datetime.UTC), tick=False)
    on_day_15 = client.get(link)

    assert on_day_14.status_code == 200
    assert on_day_15.status_code == 400
    assert "The link has expired or was already used." in page_text(on_day_15)


@pytest.mark.parametrize(
    "path", ["/invitation/MQ/bad-token/", "/invitation/!!!/x-y/", "/invitation/YWJj/1-2/"]
)
def test_a_forged_invitation_link_shows_the_invalid_page(client, path):
    response = client.get(path)

    assert response.status_code == 400
    assert "This invitation link is not valid" in page_text(response)


# --- Check your status (public) -----------------------------------------------------------------------


@pytest.fixture
def holder(today):
    member = MemberFactory(
        first_name="Ann",
        middle_name="Q",
        last_name="Lee-Smith",
        phone="555-0100",
        address_line1="12 Elm Street",
        city="Springfield",
        postal_code="62701",
        user__email="ann.private@example.org",
    )
    make_certification(member, code="RMA", certified_on=datetime.date(2025, 5, 14))
    make_certification(member, code="MT", certified_on=datetime.date(2022, 3, 14))
    return member


def lookup(client, member_number, last_name):
    return client.get(reverse("members:verify"), {"member_number": member_number, "last_name": last_name})


def test_a_lookup_shows_name_credential_status_and_active_through_and_nothing_else(client, holder):
    # When an employer looks up the member by number and last name, in other case
    response = lookup(client, holder.member_number, "LEE-smith")

    # Then they see each certification's holder, credential, number, certified since, status with its
    # meaning for an employer, and active-through
    text = page_text(response)
    number = holder.member_number
    assert (
        f"Ann Q Lee-Smith Credential Registered Medical Assistant (RMA) Member number {number} "
        "Certified since May 14, 2025 Status Active What it means Currently certified: in good standing with "
        "annual fees and continuing education (CCP) through the active-through date shown. "
        "Active through May 31, 2026" in text
    )
    assert (
        f"Medical Technologist (MT) Member number {number} Certified since March 14, 2022 "
        "Status Lapsed (fees) What it means Not currently certified: an annual fee is unpaid; becomes Active "
        "again as soon as all unpaid fees are paid. Active through Not active" in text
    )
    # And nothing else about the member: no contact details, no fees, reasons, dates of lapse or history
    html = response.content.decode()
    for private in ("ann.private@example.org", "555-0100", "12 Elm Street", "Springfield", "62701"):
        assert private not in html
    for detail in ("Fees paid", "paid through", "due", "Anniversary", "lapsed for non-payment", "history"):
        assert detail not in text


def test_a_lookup_with_the_wrong_last_name_shows_the_generic_no_match_message(client, holder):
    response = lookup(client, holder.member_number, "Lee")

    text = page_text(response)
    assert "No certification matches this member number and last name." in text
    assert "Ann" not in text


def test_the_verification_link_shows_the_status_and_its_qr_code(client, holder):
    certification = holder.certifications.get(credential__code="RMA")

    page = client.get(certification.get_verification_url())
    qr = client.get(reverse("members:verify_qr", args=[certification.verification_token]))

    assert "Ann Q Lee-Smith Credential Registered Medical Assistant (RMA) Member number" in page_text(page)
    assert "Certified since May 14, 2025 Status Active What it means Currently certified" in page_text(page)
    assert "Medical Technologist (MT)" not in page_text(page)  # the footer names the body, hence "(MT)"
    assert "ann.private@example.org" not in page.content.decode()
    assert qr.status_code == 200
    assert qr["Content-Type"] == "image/svg+xml"
    assert qr.content.lstrip().startswith(b"<?xml") and b"<svg" in qr.content


def test_a_lookup_says_the_date_and_time_of_its_answer_in_the_portal_s_time_zone(
    client, holder, time_machine
):
    # Given it is 16:42 UTC on November 29, 2026: 10:42 AM in Chicago (standard time)
    time_machine.move_to(datetime.datetime(2026, 11, 29, 16, 42, tzinfo=datetime.UTC), tick=False)

    # When an employer looks the holder up
    text = page_text(lookup(client, holder.member_number, "Lee-Smith"))

    # Then the answer is dated, once for the result
    assert text.count("Status as of November 29, 2026, 10:42 AM CST.") == 1
    assert "as of today" not in text


def test_the_verification_link_says_the_date_and_time_of_its_answer(client, holder, time_machine):
    # Given a summer afternoon: 20:05 UTC is 3:05 PM in Chicago (daylight time)
    time_machine.move_to(datetime.datetime(2026, 7, 1, 20, 5, tzinfo=datetime.UTC), tick=False)
    certification = holder.certifications.get(credential__code="RMA")

    text = page_text(client.get(certification.get_verification_url()))

    assert "Status as of July 1, 2026, 3:05 PM CDT." in text
    assert "as of today" not in text


def test_an_unknown_verification_token_is_not_found(client, holder):
    assert client.get(reverse("members:verify_token", args=["no-such-token"])).status_code == 404
    assert client.get(reverse("members:verify_qr", args=["no-such-token"])).status_code == 404


def test_lookups_over_the_rate_are_refused_with_429_while_links_still_work(client, holder, settings):
    settings.STATUS_LOOKUP_RATE = "3/600"
    certification = holder.certifications.first()

    statuses = [
        lookup(client, holder.member_number, "Lee-Smith").status_code,
        lookup(client, "000000", "Nobody").status_code,
        lookup(client, holder.member_number, "Lee").status_code,
    ]
    refused = lookup(client, holder.member_number, "Lee-Smith")

    assert statuses == [200, 200, 200]
    assert refused.status_code == 429
    assert "Too many lookups" in page_text(refused)
    assert "Ann" not in page_text(refused)
    # Verification links count against their own, far higher limit
    assert client.get(certification.get_verification_url()).status_code == 200


def test_the_empty_lookup_form_is_not_counted(client, settings):
    settings.STATUS_LOOKUP_RATE = "1/600"

    responses = [client.get(reverse("members:verify")) for _ in range(3)]

    assert [response.status_code for response in responses] == [200, 200, 200]


def test_a_new_login_e_mail_made_primary_appears_in_the_profile_history(client):
    # Given a signed-in member who confirmed a second address
    member = MemberFactory(user__email="ann.old@example.org")
    client.post(reverse("account_login"), {"login": "ann.old@example.org", "password": DEFAULT_PASSWORD})
    EmailAddress.objects.create(user=member.user, email="ann.new@example.org", verified=True, primary=False)

    # When they make it their primary address
    client.post(reverse("account_email"), {"action_primary": "", "email": "ann.new@example.org"})

    # Then it is their login and the profile history shows the change, made by them
    member.user.refresh_from_db()
    assert member.user.email == "ann.new@example.org"
    text = page_text(client.get(reverse("members:profile")))
    assert "E-mail address ann.old@example.org ann.new@example.org You" in text


# --- Query counts: absolute budgets, measured with many rows ---------------------------------------------

PROFILE_QUERIES = 4
CERTIFICATION_PAGE_QUERIES = 5
LOOKUP_QUERIES = 1  # anonymous: the holder's certifications with their member and credential, in one
VERIFICATION_LINK_QUERIES = 1


def test_the_profile_makes_a_fixed_number_of_queries_with_40_history_rows(
    client, today, django_assert_num_queries
):
    # Given 40 profile changes, by the member and by member services
    member = MemberFactory()
    clerk = make_staff("Billing staff")
    for number in range(40):
        author = clerk if number % 2 else member.user
        services.member_update_profile(
            member=member, changed_by=author, fields={"phone": f"(217) 555-01{number:02d}"}
        )
    client.force_login(member.user)
    client.get(reverse("members:profile"))  # warms the per-process caches

    with django_assert_num_queries(PROFILE_QUERIES):
        response = client.get(reverse("members:profile"))

    text = page_text(response)
    assert text.count(" You ") == 20 and text.count(" Member services ") == 20


def test_the_certification_page_makes_a_fixed_number_of_queries_with_30_status_changes(
    client, today, django_assert_num_queries
):
    # Given a certification whose status moved 30 times (rows as the status service writes them: the
    # budget is about reading many rows, not about how they came to be)
    certification = make_certification(certified_on=datetime.date(2025, 5, 14))
    clerk = make_staff("Billing staff")
    StatusChange.objects.bulk_create(
        StatusChange(
            certification=certification,
            from_status="active" if number % 2 else "lapsed",
            to_status="lapsed" if number % 2 else "active",
            reason=f"Change no. {number}",
            effective_on=datetime.date(2025, 6, 1) + datetime.timedelta(days=number),
            changed_by=clerk if number % 3 == 0 else None,
            source="test",
            changed_at=TODAY - datetime.timedelta(days=30 - number),
        )
        for number in range(30)
    )
    client.force_login(certification.member.user)
    url = reverse("members:certification", args=[certification.pk])
    client.get(url)  # warms the per-process caches

    with django_assert_num_queries(CERTIFICATION_PAGE_QUERIES):
        response = client.get(url)

    assert page_text(response).count("Change no. ") == 30


@pytest.fixture
def holder_of_every_credential(today):
    """Ann Lee-Smith, certified in each of the 10 credentials in May 2025: 10 certifications, all Active."""
    from members.models import Credential

    member = MemberFactory(first_name="Ann", last_name="Lee-Smith")
    for credential in Credential.objects.order_by("code"):
        make_certification(member, code=credential.code, certified_on=datetime.date(2025, 5, 14))
    assert member.certifications.count() == 10
    return member


def test_the_status_lookup_makes_a_fixed_number_of_queries_with_10_certifications(
    client, holder_of_every_credential, django_assert_num_queries
):
    member = holder_of_every_credential
    lookup(client, member.member_number, "Lee-Smith")  # warms the per-process caches

    with django_assert_num_queries(LOOKUP_QUERIES):
        response = lookup(client, member.member_number, "Lee-Smith")

    text = page_text(response)
    assert text.count("Status Active What it means Currently certified") == 10
    assert text.count("Active through May 31, 2026") == 10
    assert "Medical Laboratory Technician (MLT) Member number" in text


def test_the_verification_link_makes_a_fixed_number_of_queries_for_a_holder_of_10_certifications(
    client, holder_of_every_credential, django_assert_num_queries
):
    certification = holder_of_every_credential.certifications.get(credential__code="MLT")
    client.get(certification.get_verification_url())  # warms the per-process caches

    with django_assert_num_queries(VERIFICATION_LINK_QUERIES):
        response = client.get(certification.get_verification_url())

    text = page_text(response)
    assert "Ann Lee-Smith Credential Medical Laboratory Technician (MLT) Member number" in text
    assert "Registered Medical Assistant" not in text

"""The account pages (django-allauth's views, the portal's templates): sentence-case headings, and a
password-reset link that expired or was used says so and how to get a new one, not "Bad Token"."""

import re

import pytest
from django.urls import reverse

from tests.factories import DEFAULT_PASSWORD, MemberFactory, make_staff

pytestmark = pytest.mark.django_db

EMAIL = "ann.lee@example.org"
NEW_PASSWORD = "a-fresh-start-2026"
EXPIRED = "This password-reset link has expired or was already used. Ask for a new one."
# allauth's own Title Case headings and buttons, none of which a member should meet.
TITLE_CASE = re.compile(
    r"Bad Token|Change Password|Password Reset|Reset My Password|Set Password|Sign Out|Confirm Access|"
    r"Confirm Email Address|Email Address|Verify Your Email|Account Inactive|Sign Up Closed|"
    r"Two-Factor Authentication|Authenticator App|Recovery Codes|Deactivate Authenticator"
)


def page_text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def h1(response) -> str:
    return " ".join(re.search(r"<h1[^>]*>(.*?)</h1>", response.content.decode(), re.S).group(1).split())


def title(response) -> str:
    return " ".join(re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1).split())


def reset_link(client, mailoutbox) -> str:
    client.post(reverse("account_reset_password"), {"email": EMAIL})
    return re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", mailoutbox[-1].body).group(1)


def test_a_used_reset_link_says_it_expired_or_was_used_and_links_to_a_new_one(client, mailoutbox):
    # Given Ann reset her password with the e-mailed link
    MemberFactory(user__email=EMAIL)
    link = reset_link(client, mailoutbox)
    form = client.get(link, follow=True)
    assert h1(form) == "Choose a new password"
    client.post(form.redirect_chain[-1][0], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    # When she follows the same link again
    response = client.get(link, follow=True)

    # Then the page says what happened and where to ask for a new link
    assert h1(response) == "Reset link expired"
    assert EXPIRED in page_text(response)
    assert (
        f'<a href="{reverse("account_reset_password")}">Ask for a new one.</a>' in response.content.decode()
    )
    assert not TITLE_CASE.search(page_text(response))


def test_a_garbled_reset_link_gets_the_same_plain_words(client):
    response = client.get(reverse("account_reset_password_from_key", args=["1", "not-a-key"]))

    assert h1(response) == "Reset link expired"
    assert EXPIRED in page_text(response)
    assert title(response).startswith("Reset link expired")


def test_the_reset_pages_have_sentence_case_headings_and_say_how_to_reach_member_services(client, mailoutbox):
    MemberFactory(user__email=EMAIL)
    ask = client.get(reverse("account_reset_password"))
    sent = client.post(reverse("account_reset_password"), {"email": EMAIL}, follow=True)

    assert (h1(ask), h1(sent)) == ("Reset your password", "Check your e-mail")
    assert "Send me a reset link" in page_text(ask)
    for response in (ask, sent):
        assert "memberservices@portal.example.org" in page_text(response)
        assert not TITLE_CASE.search(page_text(response)), title(response)


@pytest.mark.parametrize(
    ("url_name", "heading"),
    [
        ("account_change_password", "Change your password"),
        ("account_logout", "Sign out"),
        ("account_email", "E-mail address"),
        ("mfa_index", "Two-factor authentication"),
        ("account_reauthenticate", "Confirm it is you"),
    ],
)
def test_a_signed_in_member_s_account_pages_have_sentence_case_headings(client, url_name, heading):
    client.force_login(MemberFactory(user__email=EMAIL).user)

    response = client.get(reverse(url_name))

    assert response.status_code == 200
    assert h1(response) == heading
    assert not TITLE_CASE.search(page_text(response)), page_text(response)


def test_the_two_factor_pages_of_staff_have_sentence_case_headings(client):
    # Given a staff user with an authenticator app, who confirmed their password just now (allauth asks
    # again before turning the app off)
    client.force_login(make_staff("Billing staff"))
    client.post(reverse("account_reauthenticate"), {"password": DEFAULT_PASSWORD})

    pages = {name: client.get(reverse(name)) for name in ("mfa_index", "mfa_deactivate_totp")}

    assert h1(pages["mfa_index"]) == "Two-factor authentication"
    assert "Authenticator app" in page_text(pages["mfa_index"])
    assert h1(pages["mfa_deactivate_totp"]) == "Turn off the authenticator app"
    for response in pages.values():
        assert response.status_code == 200
        assert not TITLE_CASE.search(page_text(response)), page_text(response)


def test_the_sign_up_page_says_members_are_invited(client):
    response = client.get(reverse("account_signup"))

    assert h1(response) == "No sign-up"
    assert "member services sends each certified member an invitation" in page_text(response)


def test_the_account_forms_have_sentence_case_labels(client, mailoutbox):
    member = MemberFactory(user__email=EMAIL)
    signed_out = page_text(client.get(reverse("account_login")))
    client.force_login(member.user)

    change = page_text(client.get(reverse("account_change_password")))
    client.logout()
    link = reset_link(client, mailoutbox)
    reset = page_text(client.get(client.get(link).url))

    assert "Remember me" in signed_out and "Remember Me" not in signed_out
    assert "Current password" in change and "New password (again)" in change
    assert "Current Password" not in change and "New Password" not in change
    assert "New password" in reset and "New Password" not in reset

"""Five wrong passwords lock an account for five minutes (allauth's per-account limit), and the sign-in page
then says how long and how to get in at once: a password reset, which lifts the lock."""

import re

import pytest
from django.urls import reverse

from tests.factories import DEFAULT_PASSWORD, MemberFactory

pytestmark = pytest.mark.django_db

EMAIL = "ann.lee@example.org"
NEW_PASSWORD = "a-fresh-start-2026"
LOCKED = "Too many failed sign-in attempts for this account. Try again in 5 minutes, or reset your password."


def page_text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def sign_in(client, password: str):
    return client.post(reverse("account_login"), {"login": EMAIL, "password": password})


@pytest.fixture
def locked_out(client):
    """Ann's account after five wrong passwords (somebody guessing, or Ann forgetting)."""
    MemberFactory(user__email=EMAIL)
    for _ in range(5):
        response = sign_in(client, "not-my-password")
        assert LOCKED not in page_text(response)
    return client


def test_the_sixth_attempt_even_with_the_right_password_says_how_long_and_links_to_reset(locked_out):
    response = sign_in(locked_out, DEFAULT_PASSWORD)

    assert response.status_code == 200  # the sign-in page again, not signed in
    assert LOCKED in page_text(response)
    assert f'href="{reverse("account_reset_password")}"' in response.content.decode()
    assert "_auth_user_id" not in locked_out.session


def test_a_password_reset_lifts_the_lock_at_once(locked_out, mailoutbox):
    # Given the locked account, Ann asks for a reset link
    assert LOCKED in page_text(sign_in(locked_out, DEFAULT_PASSWORD))
    locked_out.post(reverse("account_reset_password"), {"email": EMAIL})
    (mail,) = mailoutbox
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", mail.body).group(1)

    # When she follows the e-mailed link and sets a new password
    form = locked_out.get(link, follow=True)
    form_url = form.redirect_chain[-1][0] if form.redirect_chain else link
    done = locked_out.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}, follow=True)
    assert "Your password is now changed." in page_text(done)

    # Then signing in with the new password works at once, within the five minutes
    response = sign_in(locked_out, NEW_PASSWORD)

    assert response.status_code == 302
    assert locked_out.session["_auth_user_id"]

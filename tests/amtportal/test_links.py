"""Links point at the address the portal is served on, and account e-mails speak in the portal's name."""

import re
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

from tests.factories import MemberFactory

ROOT = Path(__file__).resolve().parents[2]


def make_dry_run(*variables: str) -> str:
    result = subprocess.run(
        ["make", "-n", "run", *variables], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    return result.stdout


def test_make_run_on_another_port_points_the_links_at_it():
    commands = make_dry_run("PORT=8101")

    assert "PORTAL_BASE_URL=http://127.0.0.1:8101" in commands
    assert "runserver 127.0.0.1:8101" in commands
    assert "--webhook-url http://127.0.0.1:8101/billing/stripe/webhook/" in commands


def test_an_explicit_base_url_wins_over_host_and_port():
    commands = make_dry_run("PORT=8101", "PORTAL_BASE_URL=https://portal.example.org")

    assert "PORTAL_BASE_URL=https://portal.example.org" in commands


@pytest.mark.django_db
def test_the_password_reset_e_mail_greets_in_the_portal_s_name(client, mailoutbox, settings, seeded):
    # Given the portal served on port 8101 and a member who forgot their password
    settings.PORTAL_BASE_URL = "http://127.0.0.1:8101"
    member = MemberFactory()

    # When they ask for a reset on the page
    client.post(reverse("account_reset_password"), {"email": member.user.email}, HTTP_HOST="127.0.0.1:8101")

    # Then the e-mail speaks for the portal, not for a host name and port
    [email] = mailoutbox
    assert email.body.startswith("Hello from AMT Member Portal!\n")
    assert email.body.endswith("Thank you for using AMT Member Portal!\nhttp://127.0.0.1:8101")
    assert not re.search(r"Hello from 127\.0\.0\.1", email.body)

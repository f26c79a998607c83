"""Site-wide small things (issue 12): the favicon, and a 403 logged as one line."""

import logging

import pytest
from django.contrib.staticfiles import finders

from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_the_favicon_is_a_permanent_redirect_to_a_real_icon(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response.url == "/static/favicon.ico"
    icon = finders.find("favicon.ico")
    with open(icon, "rb") as file:
        assert file.read(4) == b"\x00\x00\x01\x00"  # the ICO header


def test_a_403_is_logged_once_as_one_line_without_a_traceback(client, caplog):
    client.force_login(MemberFactory().user)

    with caplog.at_level(logging.INFO):
        response = client.get("/staff/members/")

    assert response.status_code == 403
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.levelno == logging.WARNING
    assert record.getMessage() == "Forbidden (Permission denied): /staff/members/"
    assert record.exc_info is None
    assert "Traceback" not in caplog.text
    # Only the root's console writes it: Django's own console handler on "django" (which wrote it a second
    # time) is gone
    assert logging.getLogger("django").handlers == []
    assert logging.getLogger("django.request").handlers == []

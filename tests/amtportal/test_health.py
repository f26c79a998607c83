"""The readiness check a load balancer polls (amtportal.health): one query, no login, nothing about anybody,
503 when the database does not answer."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import OperationalError, connection
from django.urls import reverse

from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def test_a_probe_without_login_gets_ok_in_one_query_and_no_cookie(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get(reverse("health"))

    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert response["Content-Type"].startswith("text/plain")
    assert "no-store" in response["Cache-Control"]
    assert not response.cookies  # no session is opened for a probe


def test_a_signed_in_member_reads_the_same_two_words(client):
    member = MemberFactory(first_name="Ann")
    client.force_login(member.user)

    response = client.get(reverse("health"))

    assert response.content == b"ok\n"
    assert member.member_number.encode() not in response.content


def test_a_probe_asks_with_get_or_head_only(client):
    assert client.head(reverse("health")).status_code == 200
    assert client.post(reverse("health")).status_code == 405


def test_when_the_database_does_not_answer_the_probe_gets_503_without_the_cause(client, caplog):
    def refuse(execute, sql, params, many, context):
        raise OperationalError('connection to server at "db.internal" (10.0.0.5), port 5432 failed')

    with connection.execute_wrapper(refuse):
        response = client.get(reverse("health"))

    assert response.status_code == 503
    assert response.content == b"database unavailable\n"
    assert "Readiness check: the database did not answer" in caplog.text  # the cause is in the log


PRODUCTION_REDIRECTS = """
from django.middleware.security import SecurityMiddleware
from django.test import RequestFactory
import json
middleware = SecurityMiddleware(lambda request: None)
factory = RequestFactory()
print(json.dumps({path: bool(middleware.process_request(factory.get(path))) for path in ("/health/", "/")}))
"""


def test_in_production_plain_http_probes_are_not_redirected_but_pages_are():
    # Given the production settings (DEBUG off: HTTPS redirect on)
    environment = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "test-only-secret-key-for-the-production-settings-check",
        "ALLOWED_HOSTS": "testserver",
        "EMAIL_URL": "smtp://127.0.0.1:25",
        "DJANGO_SETTINGS_MODULE": "amtportal.settings",
    }
    command = [sys.executable, "-c", "import django; django.setup()\n" + PRODUCTION_REDIRECTS]

    # When a balancer probes over plain HTTP, and a browser asks for a page over plain HTTP
    result = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60)

    # Then the probe is answered where it is, and the page is sent to HTTPS
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {"/health/": False, "/": True}

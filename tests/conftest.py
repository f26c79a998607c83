import http.server
import os
import threading
import time

import pytest
from django.apps import apps

from amtportal import seeding as amtportal_seeding
from audits import seeding as audits_seeding
from billing import seeding as billing_seeding
from ccp import seeding as ccp_seeding
from members import seeding
from recert import seeding as recert_seeding

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def seeded(db):
    """Configuration data (credentials, policies, roles, CCP categories): present after migrations, but
    flushed by transactional tests (live_server, the Celery worker test), so those re-seed through this."""
    seeding.seed_all(apps)
    ccp_seeding.seed_all(apps)
    billing_seeding.seed_all(apps)
    audits_seeding.seed_all(apps)
    recert_seeding.seed_all(apps)
    amtportal_seeding.seed_all(apps)


def totp_code(secret: str, at: float | None = None) -> str:
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int((at or time.time()) // 30)))


@pytest.fixture(scope="session", autouse=True)
def credly_stand_in():
    """One local Credly stand-in (scripts/credly_server.py) per test session, which the settings point at:
    a reinstatement issues its badge, and nothing reaches the network. Tests reading its state or making it
    fail use the `stand_in` fixture below."""
    from django.conf import settings

    from scripts.credly_server import DEFAULT_ORGANIZATION, DEFAULT_TOKEN, start_in_thread

    url, server = start_in_thread()
    settings.CREDLY_API_BASE = url
    settings.CREDLY_ORGANIZATION_ID = DEFAULT_ORGANIZATION
    settings.CREDLY_TOKEN = DEFAULT_TOKEN
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def stand_in(credly_stand_in):
    """The session's Credly stand-in, emptied for this test: make it fail, read what it holds."""
    from tests.credly import CredlyControl

    control = CredlyControl(credly_stand_in)
    control.reset()
    yield control
    control.reset()


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate limits and used TOTP codes live in the cache: every test starts from a clean one."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(scope="session")
def s3_server():
    """One local S3-compatible server (moto's server mode on 127.0.0.1) per test session."""
    from tests.s3 import S3Server

    server = S3Server().start()
    yield server
    server.stop()


@pytest.fixture
def s3_storage(s3_server, settings):
    """Files of this test go to a fresh private bucket on the local S3 server: the settings' own S3 storage
    (amtportal.settings.S3_STORAGE) pointed at it. A worker process gets `bucket.environment`."""
    from tests.s3 import S3Bucket

    bucket = S3Bucket.create(s3_server)
    environment = bucket.environment
    options = {
        **settings.S3_STORAGE["OPTIONS"],
        "bucket_name": bucket.name,
        "endpoint_url": environment["AWS_S3_ENDPOINT_URL"],
        "region_name": environment["AWS_S3_REGION_NAME"],
        "access_key": environment["AWS_ACCESS_KEY_ID"],
        "secret_key": environment["AWS_SECRET_ACCESS_KEY"],
    }
    settings.STORAGES = {**settings.STORAGES, "default": {**settings.S3_STORAGE, "OPTIONS": options}}
    return bucket


@pytest.fixture
def http_hits():
    """A local HTTP server on 127.0.0.1 that records every request it gets: (port, paths asked for)."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], hits
    server.shutdown()
    server.server_close()

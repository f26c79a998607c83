import os
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


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate limits and used TOTP codes live in the cache: every test starts from a clean one."""
    from django.core.cache import cache

    cache.clear()
    yield

"""Test settings: the real settings with the few lines tests need changed."""

from amtportal.settings import *  # noqa: F403

# Fast hashing; a local cache per process (the Redis database is the Celery broker in tests: never flushed).
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Tasks queued by services run in-process; the integration test starts a real worker for its own tasks.
CELERY_TASK_ALWAYS_EAGER = True
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
MEDIA_ROOT = BASE_DIR / "var" / "test-media"  # noqa: F405
# Members' status-change tasks (badge issue/revoke, status lists) stay off for the suite, which creates and
# moves thousands of certifications; the badge tests switch them on. Credly is a local stand-in started once
# per test session (tests/conftest.py): never the real API.
MEMBERS_STATUS_CHANGED_TASKS = []
CREDLY_API_BASE = "http://127.0.0.1:9/v1"
CREDLY_TIMEOUT_SECONDS = 2.0
# One credential signing key for the whole test run and the Celery worker of integration tests (both read
# these settings): a test-only file under var/, written on first use if missing.
CREDENTIAL_SIGNING_KEY = ""
CREDENTIAL_SIGNING_KEY_FILE = str(BASE_DIR / "var" / "test-credential-signing-key.pem")  # noqa: F405
CREDENTIAL_SIGNING_KEY_CREATE_MISSING = True
DEMO_CREDENTIALS_DIR = BASE_DIR / "var" / "test-demo-credentials"  # noqa: F405

"""Test settings: the real settings with the few lines tests need changed."""

from amtportal.settings import *  # noqa: F403

# Fast hashing; a local cache per process (the Redis database is the Celery broker in tests: never flushed).
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Tasks queued by services run in-process; the integration test starts a real worker for its own tasks.
CELERY_TASK_ALWAYS_EAGER = True
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
MEDIA_ROOT = BASE_DIR / "var" / "test-media"  # noqa: F405

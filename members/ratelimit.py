"""A fixed-window rate limit per client address, kept in the cache (Redis in production)."""

import time

from allauth.account.adapter import get_adapter
from django.core.cache import cache


def client_address(request) -> str:
    """The client's address as allauth sees it (honours ALLAUTH_TRUSTED_PROXY_COUNT behind a proxy)."""
    return get_adapter(request).get_client_ip(request) or "unknown"


def allow(request, *, scope: str, rate: str) -> bool:
    """Count one hit; False once the client went over `rate` ("hits/seconds") in the current window."""
    hits, seconds = (int(part) for part in rate.split("/"))
    window = int(time.time() // seconds)
    key = f"ratelimit:{scope}:{client_address(request)}:{window}"
    cache.add(key, 0, timeout=seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=seconds)
        count = 1
    return count <= hits

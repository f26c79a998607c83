"""A fixed-window rate limit per client address, kept in the cache (Redis in production)."""

import datetime
import time
from dataclasses import dataclass

from allauth.account.adapter import get_adapter
from django.core.cache import cache


def client_address(request) -> str:
    """The client's address as allauth sees it (honours ALLAUTH_TRUSTED_PROXY_COUNT behind a proxy)."""
    return get_adapter(request).get_client_ip(request) or "unknown"


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    retry_at: datetime.datetime  # when the current window ends (UTC): the count starts again


def hit(request, *, scope: str, rate: str) -> RateDecision:
    """Count one hit of the client in `scope`; not allowed once it went over `rate` ("hits/seconds") in the
    current window, with the moment the window ends."""
    hits, seconds = (int(part) for part in rate.split("/"))
    window = int(time.time() // seconds)
    key = f"ratelimit:{scope}:{client_address(request)}:{window}"
    cache.add(key, 0, timeout=seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=seconds)
        count = 1
    retry_at = datetime.datetime.fromtimestamp((window + 1) * seconds, tz=datetime.UTC)
    return RateDecision(allowed=count <= hits, retry_at=retry_at)

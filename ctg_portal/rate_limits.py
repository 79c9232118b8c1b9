"""A fixed-window counter per person and per address, for pages that cost the server something.

The counters live in the ``rate_limits`` cache (settings ``CACHES``): Redis when ``REDIS_URL`` is
set, so every web worker and machine shares them; otherwise a per-process memory cache, where each
worker counts on its own (a limit of 20 is then 20 per worker: still a bound). Should the cache be
unreachable, the request goes through (logged): the limiter protects the service, it must not stop it.
"""

import logging
import time

from django.core.cache import caches

CACHE_ALIAS = "rate_limits"

logger = logging.getLogger(__name__)


def over_limit(scope: str, identities: list[str], *, limit: int, window_seconds: int) -> bool:
    """Count one attempt for each identity; True when any of them has made more than ``limit``.

    Each identity (``"user:12"``, ``"ip:192.0.2.1"``) has its own counter for the current window of
    ``window_seconds``; an attempt refused still counts, so that hammering does not reopen the gate.
    """
    cache = caches[CACHE_ALIAS]
    window = int(time.time() // window_seconds)
    exceeded = False
    for identity in identities:
        key = f"{scope}:{identity}:{window}"
        try:
            cache.add(key, 0, timeout=window_seconds)
            try:
                count = cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.set(key, 1, timeout=window_seconds)
                count = 1
        except Exception:  # the cache server is down: let the request through
            logger.exception("Rate limit %s: the %r cache cannot be reached", scope, CACHE_ALIAS)
            return False
        exceeded = exceeded or count > limit
    return exceeded


def seconds_left_in_window(window_seconds: int) -> int:
    """For the ``Retry-After`` header: when the current window ends."""
    return window_seconds - int(time.time()) % window_seconds

"""Replays and stale requests: a signed request is taken once, and only while fresh."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache


def fresh(timestamp: object) -> bool:
    """Whether a request's signed timestamp (Unix seconds) is recent enough."""
    try:
        sent = float(str(timestamp))
    except ValueError:
        return False
    return abs(time.time() - sent) <= settings.CHAT_PLATFORM_MAX_AGE_SECONDS


async def first_time(platform: str, key: str) -> bool:
    """True the first time a platform's event id is seen; later copies are replays (or
    the platform's retries) and are dropped. Kept past the freshness window, after which
    the timestamp check refuses them anyway."""
    ttl = int(settings.CHAT_PLATFORM_MAX_AGE_SECONDS * 2) + 60
    return await cache.aadd(f"platform-seen:{platform}:{key}", 1, timeout=ttl)

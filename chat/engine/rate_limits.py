"""How fast one user may send chat messages (CHAT_MESSAGE_RATE_LIMIT, "<count>/<seconds>").

Counted in Django's cache (Redis with REDIS_URL, so every web instance shares the count;
this process's memory otherwise), in fixed windows. A refused message is not stored and
the page puts it back in the composer, so nothing typed is lost.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _
from redis import exceptions as redis_errors

from .errors import UserFacingError

logger = logging.getLogger(__name__)

# What the cache raises when its Redis is away.
CACHE_ERRORS = (redis_errors.ConnectionError, redis_errors.TimeoutError, OSError)
_cache_away = False


class MessageRateLimited(UserFacingError):
    keeps_draft = True


async def _count(key: str, seconds: int) -> int:
    """This window's messages so far, this one included."""
    if await cache.aadd(key, 1, timeout=seconds + 1):
        return 1
    try:
        return await cache.aincr(key)
    except ValueError:  # the window's key expired between the two calls
        await cache.aset(key, 1, timeout=seconds + 1)
        return 1


def _say_cache_away(error: BaseException) -> None:
    global _cache_away
    if not _cache_away:
        logger.warning("Message rate limits are off while the cache is away: %s", error)
    _cache_away = True


def _cache_back() -> None:
    global _cache_away
    if _cache_away:
        logger.warning("The cache is back: message rate limits apply again")
    _cache_away = False


def parse_rate(rate: str) -> tuple[int, int] | None:
    """(count, seconds) from "20/60"; None for no limit. A bad value fails loudly at use."""
    rate = (rate or "").strip()
    if not rate or rate == "0":
        return None
    count, _slash, seconds = rate.partition("/")
    parsed = int(count), int(seconds or 60)
    if parsed[0] < 1 or parsed[1] < 1:
        raise ValueError(f"CHAT_MESSAGE_RATE_LIMIT must be <count>/<seconds>, not {rate!r}")
    return parsed


async def check_message_rate(user: Any) -> None:
    """Counts one message of this user; refuses it when over the limit."""
    rate = parse_rate(settings.CHAT_MESSAGE_RATE_LIMIT)
    if rate is None:
        return
    count, seconds = rate
    now = time.time()
    window = int(now // seconds)
    key = f"chat:message-rate:{user.pk}:{seconds}:{window}"
    try:
        sent = await _count(key, seconds)
    except CACHE_ERRORS as error:
        # The cache (Redis) is away: the message is let through rather than lost, and
        # the outage said once, not once per message.
        _say_cache_away(error)
        return
    _cache_back()
    if sent > count:
        wait = max(1, math.ceil((window + 1) * seconds - now))
        raise MessageRateLimited(
            _(
                "You are sending messages faster than %(count)s in %(seconds)s seconds. "
                "Your message was not sent: send it again in %(wait)s seconds."
            )
            % {"count": count, "seconds": seconds, "wait": wait}
        )

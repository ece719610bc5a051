"""How fast one user may send chat messages, and make the assistant run in any other way
(CHAT_MESSAGE_RATE_LIMIT, "<count>/<seconds>", one count for both).

Counted in Django's cache (Redis with REDIS_URL, so every web instance shares the count;
this process's memory otherwise), in windows of <seconds> that each start with the
person's first run after the last one ended. (Windows cut by the clock let a burst
through where two of them meet: 3 messages in a second passed a limit of 2 a minute when
the minute turned between them.) A refused message is not stored and the page puts it
back in the composer, so nothing typed is lost.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from redis import exceptions as redis_errors

from chat.errors import UserFacingError
from chatproject.serving import loop_cache
from chatproject.serving.cache_calls import CacheOutage

logger = logging.getLogger(__name__)

# What the cache raises when its Redis is away.
CACHE_ERRORS = (redis_errors.ConnectionError, redis_errors.TimeoutError, OSError)


class MessageRateLimited(UserFacingError):
    keeps_draft = True


class RunRateLimited(UserFacingError):
    """Over the limit with a frame that carries no draft to give back."""


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
    over = await _count(user)
    if over is not None:
        count, seconds, wait = over
        raise MessageRateLimited(
            _(
                "You are sending messages faster than %(count)s in %(seconds)s seconds. "
                "Your message was not sent: send it again in %(wait)s seconds."
            )
            % {"count": count, "seconds": seconds, "wait": wait}
        )


async def check_run_rate(user: Any) -> None:
    """Counts one run of the assistant that a frame other than a message asks for (an
    edit, a regeneration, a button, a window message, a profile or settings change)
    against the same limit as messages: each costs a model call as a message does."""
    over = await _count(user)
    if over is not None:
        count, seconds, wait = over
        raise RunRateLimited(
            _(
                "You are asking the assistant more than %(count)s times in %(seconds)s "
                "seconds. Nothing was done: try again in %(wait)s seconds."
            )
            % {"count": count, "seconds": seconds, "wait": wait}
        )


async def _count(user: Any) -> tuple[int, int, int] | None:
    """Counts one run of this user; (count, seconds, seconds to wait) when over the limit."""
    rate = parse_rate(settings.CHAT_MESSAGE_RATE_LIMIT)
    if rate is None:
        return None
    count, seconds = rate
    key = f"chat:message-rate:{user.pk}:{seconds}"
    # Not cache.aincr: Django's async incr reads, then writes (with the default timeout),
    # so frames counted at once on two instances, or two sockets, lost counts.
    try:
        sent, wait = await loop_cache.count_one_async(key, seconds, count)
    except CACHE_ERRORS as error:
        # The cache (Redis) is away: the run is let through rather than lost, and the
        # outage said once, not once per frame.
        _say_cache_away(error)
        return None
    _cache_back()
    if sent <= count:
        return None
    return count, seconds, wait


_outage = CacheOutage(
    logger,
    "Message rate limits are off while the cache is away: %s",
    "The cache is back: message rate limits apply again",
)
_say_cache_away, _cache_back = _outage.went, _outage.came_back

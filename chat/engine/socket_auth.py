"""Whether an open socket's sign-in still holds.

A socket is authorised once, at connect, but may stay open for days: a sign-out, a
password change or a deactivation must end it within moments, not at its next connect.
Each person has an auth version in the cache, replaced whenever one of their sign-ins may
have ended, and announced to the group of their sockets. A socket reads the version on
every frame (one cache read) and checks its session in full (the session store and the
account, as Django's `get_user` does: see `sign_in_checks`) only when the version moved or
when told to. What no signal reports (an expired session, an account changed with
`QuerySet.update`, an announcement lost while Redis was away) the process's watch finds:
it checks every open socket in full every FULL_CHECK_SECONDS, frames or not, many in one
query (see `sign_in_watch`), and a frame relies on its last check.
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache

from chat.engine import sign_in_checks, sign_in_watch
from chat.engine.sign_in_watch import Ending, SignInWatch
from chatproject.serving import loop_cache

logger = logging.getLogger(__name__)

# A version outlives every session it could end; if it is evicted sooner, the next frame
# checks the session in full, which is safe.
VERSION_SECONDS = max(settings.SESSION_COOKIE_AGE, 24 * 3600)
# The group message that makes every socket of a person check its sign-in now.
CHANGED = "auth.changed"
# The version of a socket opened while the cache was out of reach: never a real one
# (those are hex), and not a sign that a sign-in ended.
UNREAD = "unread"


def user_group(user_id: Any) -> str:
    return f"user-{user_id}"


def version_key(user_id: Any) -> str:
    return f"chat:auth-version:{user_id}"


@dataclass(eq=False)  # each socket its own, hashed by identity
class SocketSignIn:
    """One socket's sign-in: a session's, or (the copilot panel's socket) a signed ticket's,
    which no sign-out can end by itself, so any change to the person's sign-ins ends it."""

    user_id: Any
    session_key: str | None
    version: str | None = None
    checked_at: float = field(default=float("-inf"))
    ended: bool = False
    proof: sign_in_checks.Proof | None = field(default=None, repr=False)
    watched_by: SignInWatch | None = field(default=None, repr=False)

    @classmethod
    async def open(cls, scope: dict[str, Any], layer: Any, channel: str) -> SocketSignIn | None:
        """Joins the person's group, then checks the sign-in (in that order: an end
        announced in between is heard); None if it does not hold."""
        user = scope["user"]
        session = scope.get("session")
        session_key = getattr(session, "session_key", None)
        if session_key is not None:
            named = await session.aget(SESSION_KEY)
            if str(named) != str(user.pk):
                session_key = None  # the socket was signed in by a ticket, not this session
        sign_in = cls(user.pk, session_key)
        await layer.group_add(user_group(user.pk), channel)
        try:
            sign_in.version = await current_version(user.pk)
        except Exception as error:
            # The cache is out of reach (Redis down): the full check below decides.
            logger.warning("Sign-in versions unreadable (%s); checking the session", error)
            sign_in.version = UNREAD
        if not await sign_in.recheck():
            await layer.group_discard(user_group(user.pk), channel)
            return None
        return sign_in

    def watch(self, end: Ending) -> None:
        """Has the process's watch check the sign-in for as long as the socket is open,
        frames or not, and call `end` (which closes the socket) once it no longer holds."""
        self.watched_by = sign_in_watch.watch_of_this_loop()
        self.watched_by.add(self, end)

    def stop_watching(self) -> None:
        if self.watched_by is not None:
            self.watched_by.discard(self)

    async def leave(self, layer: Any, channel: str) -> None:
        self.stop_watching()
        await layer.group_discard(user_group(self.user_id), channel)

    async def holds(self, *, in_full: bool = False) -> bool:
        """For every frame: one cache read; a full check only when the version moved, when
        asked, or when the watch has not checked this socket for too long."""
        if self.ended:
            return False
        try:
            version = await current_version(self.user_id)
        except Exception as error:
            # The cache is out of reach (Redis down): the database answers instead. No
            # traceback: an outage would print one per frame.
            logger.warning("Sign-in versions unreadable (%s); checking the session", error)
            return await self.recheck()
        if version != self.version:
            if self.session_key is None and self.version != UNREAD:
                return self.mark_ended()
            self.version = version
            return await self.recheck()
        if in_full or time.monotonic() - self.checked_at >= sign_in_watch.trusted_for():
            return await self.recheck()  # the watch's last check is too old to go on
        return True

    async def changed(self, ended_session: str | None = None) -> bool:
        """The person's sign-ins changed (the group message), perhaps by the end of one
        session named by its key: whether this one holds."""
        self.version = None  # the next frame reads the version again
        if self.session_key is None or self.session_key == ended_session:
            return self.mark_ended()
        return await self.recheck()

    async def recheck(self) -> bool:
        if self.ended:
            return False
        if await sync_to_async(sign_in_checks.ended)([self]):
            return self.mark_ended()
        self.checked_at = time.monotonic()
        return True

    def mark_ended(self) -> bool:
        self.ended = True
        return False


async def current_version(user_id: Any) -> str | None:
    # Not the cache's async methods: they queue behind the database's thread.
    return await loop_cache.get(version_key(user_id))


def sign_ins_changed(user_id: Any, ended_session: str | None = None) -> None:
    """A sign-in of this person may have ended: every socket of theirs checks its own.
    A sign-out names its session: Django flushes it only after telling the receivers.

    From sync code (signal receivers), after the change is committed. A cache or channel
    layer that is down must not stop the sign-out itself: the watch's full check of each
    socket (every FULL_CHECK_SECONDS) still ends it.
    """
    try:
        cache.set(version_key(user_id), secrets.token_hex(8), timeout=VERSION_SECONDS)
    except Exception:
        logger.warning("Could not record the end of a sign-in of user %s", user_id, exc_info=True)
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(
            user_group(user_id), {"type": CHANGED, "session": ended_session}
        )
    except Exception:
        logger.warning("Could not tell the sockets of user %s", user_id, exc_info=True)

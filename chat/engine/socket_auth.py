"""Whether an open socket's sign-in still holds.

A socket is authorised once, at connect, but may stay open for days: a sign-out, a
password change or a deactivation must end it within moments, not at its next connect.
Each person has an auth version in the cache, replaced whenever one of their sign-ins may
have ended, and announced to the group of their sockets. A socket reads the version on
every frame (one cache read) and checks its session in full (the session store and the
account, as Django's `get_user` does) only when the version moved, when told to, or every
FULL_CHECK_SECONDS, which also catches what no signal reports (an expired session, an
account changed with `QuerySet.update`). A socket whose page sends nothing (a tab left
open to read) is checked as often by a timer of its own, so that it too is ended when the
announcement was lost (Redis away) or there was none.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,
    load_backend,
)
from django.core.cache import cache
from django.utils.crypto import constant_time_compare

from accounts import staff_mfa
from accounts.session_keys import SESSION_FLAG as SSO_SESSION_FLAG
from chatproject.serving.cache_calls import cache_call

logger = logging.getLogger(__name__)

FULL_CHECK_SECONDS = settings.CHAT_SIGN_IN_CHECK_SECONDS
# The timer never checks more often than this, whatever FULL_CHECK_SECONDS says.
SHORTEST_WATCH_SECONDS = 0.1
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


def _session_store(session_key: str) -> Any:
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key)


@sync_to_async
def _session_user(session_key: str) -> tuple[Any, bool]:
    """(the account the session still signs in, or None; whether the SSO proxy signed it
    in). Read-only, unlike `get_user`: a socket cannot hand a new cookie to the browser,
    so it must not flush or cycle the session."""
    data = _session_store(session_key).load()  # empty once signed out, flushed or expired
    try:
        user_id, backend_path = data[SESSION_KEY], data[BACKEND_SESSION_KEY]
    except KeyError:
        return None, False
    if backend_path not in settings.AUTHENTICATION_BACKENDS:
        return None, False
    user = load_backend(backend_path).get_user(user_id)
    if user is None:
        return None, False  # deleted, or deactivated (the backends refuse inactive accounts)
    session_hash = data.get(HASH_SESSION_KEY) or ""
    hashes = [user.get_session_auth_hash(), *user.get_session_auth_fallback_hash()]
    if not session_hash or not any(constant_time_compare(session_hash, h) for h in hashes):
        return None, False  # the password changed since this session signed in
    return user, bool(data.get(SSO_SESSION_FLAG))


@sync_to_async
def _ticket_user(user_id: Any) -> Any:
    return get_user_model().objects.filter(pk=user_id, is_active=True).first()


@dataclass
class SocketSignIn:
    """One socket's sign-in: a session's, or (the copilot panel's socket) a signed ticket's,
    which no sign-out can end by itself, so any change to the person's sign-ins ends it."""

    user_id: Any
    session_key: str | None
    version: str | None = None
    checked_at: float = field(default=float("-inf"))
    ended: bool = False
    watcher: asyncio.Task[None] | None = field(default=None, repr=False)

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

    def watch(self, end: Callable[[], Awaitable[None]]) -> None:
        """Checks the sign-in every FULL_CHECK_SECONDS for as long as the socket is open,
        frames or not, and calls `end` (which closes the socket) once it no longer holds."""
        self.watcher = asyncio.get_running_loop().create_task(
            self._watch(end), name="sign-in-watch"
        )

    async def _watch(self, end: Callable[[], Awaitable[None]]) -> None:
        while not self.ended:
            await asyncio.sleep(max(FULL_CHECK_SECONDS, SHORTEST_WATCH_SECONDS))
            try:
                holds = await self.holds()
            except Exception as error:
                # The database is out of reach: the socket stays, and the next turn retries.
                logger.warning("Could not check a socket's sign-in (%s)", error)
                continue
            if not holds:
                await end()
                return

    def stop_watching(self) -> None:
        if self.watcher is not None:
            self.watcher.cancel()

    async def leave(self, layer: Any, channel: str) -> None:
        self.stop_watching()
        await layer.group_discard(user_group(self.user_id), channel)

    async def holds(self, *, in_full: bool = False) -> bool:
        """For every frame: one cache read, and a full check when it is due (or asked)."""
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
                return self._end()
            self.version = version
            return await self.recheck()
        if in_full or time.monotonic() - self.checked_at >= FULL_CHECK_SECONDS:
            return await self.recheck()
        return True

    async def changed(self, ended_session: str | None = None) -> bool:
        """The person's sign-ins changed (the group message), perhaps by the end of one
        session named by its key: whether this one holds."""
        self.version = None  # the next frame reads the version again
        if self.session_key is None or self.session_key == ended_session:
            return self._end()
        return await self.recheck()

    async def recheck(self) -> bool:
        if self.ended:
            return False
        if self.session_key is not None:
            user, by_proxy = await _session_user(self.session_key)
        else:
            user, by_proxy = await _ticket_user(self.user_id), False
        if user is None or user.pk != self.user_id:
            return self._end()
        if await sync_to_async(staff_mfa.must_enroll)(user, signed_in_by_proxy=by_proxy):
            return self._end()
        self.checked_at = time.monotonic()
        return True

    def _end(self) -> bool:
        self.ended = True
        return False


async def current_version(user_id: Any) -> str | None:
    # In a thread of its own: the cache's async methods queue behind the database's.
    return await cache_call(cache.get, version_key(user_id))


def sign_ins_changed(user_id: Any, ended_session: str | None = None) -> None:
    """A sign-in of this person may have ended: every socket of theirs checks its own.
    A sign-out names its session: Django flushes it only after telling the receivers.

    From sync code (signal receivers), after the change is committed. A cache or channel
    layer that is down must not stop the sign-out itself: each socket's full check (at
    least every FULL_CHECK_SECONDS) still ends it.
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

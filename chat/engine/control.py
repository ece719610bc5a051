"""Reaching the process that runs a thread's hooks, from any tab on any instance.

Each process listens on one channel, added to a thread's control group while one of
its chat sessions lives. Stop and catch-up requests go to that group, so they find the
run even after the socket that started it has gone.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections import defaultdict
from typing import Any
from uuid import UUID

from channels.layers import get_channel_layer

from chat.engine.background import spawn
from chat.engine.context import Session
from chat.engine.groups import control_group

logger = logging.getLogger(__name__)

LISTEN_RETRY_SECONDS = 1.0


class RunControl:
    def __init__(self) -> None:
        self.layer = get_channel_layer()
        self.sessions: dict[str, set[Session]] = defaultdict(set)
        self._state_locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self.channel: str | None = None
        self._ready = asyncio.Lock()

    async def _ensure_listening(self) -> str:
        async with self._ready:
            if self.channel is None:
                self.channel = await self.layer.new_channel()
                spawn(self._listen(self.channel), name="run-control")
            return self.channel

    async def attach(self, thread_id: UUID, session: Session) -> None:
        channel = await self._ensure_listening()
        key = str(thread_id)
        if not self.sessions[key]:
            await self.layer.group_add(control_group(key), channel)
        self.sessions[key].add(session)

    async def detach(self, thread_id: UUID, session: Session) -> None:
        key = str(thread_id)
        self.sessions[key].discard(session)
        if not self.sessions[key]:
            del self.sessions[key]
            self._state_locks.pop(key, None)
            if self.channel is not None:
                await self.layer.group_discard(control_group(key), self.channel)

    def running(self, thread_id: UUID) -> bool:
        """Whether a chat session of this process is running a hook on the thread."""
        return any(s.current_run is not None for s in self.sessions.get(str(thread_id), ()))

    async def push_run_state(self, session: Session, *, only_if_running: bool = False) -> bool:
        """Tells the thread's tabs whether a hook runs on it here, and returns that.

        Pushes for a thread are serialised and the state is read under the lock, so the
        last push always says how things are now: a catch-up that saw a hook running can
        no longer land after the push that said it ended (leaving Stop up for good).
        """
        key = str(session.thread_id)
        async with self._state_locks[key]:
            running = self.running(session.thread_id) or session.current_run is not None
            if running or not only_if_running:
                await session.emitter.set_running(running)
        return running

    async def _listen(self, channel: str) -> None:
        failing = False
        while True:
            try:
                event = await self.layer.receive(channel)
            except Exception:
                # The layer's trouble must not end the listening: Stop and answers to
                # questions would never arrive again in this process. Said once.
                if not failing:
                    logger.exception("Run control cannot receive; trying again")
                failing = True
                await asyncio.sleep(LISTEN_RETRY_SECONDS)
                continue
            failing = False
            try:
                await self._handle(event)
            except Exception:
                logger.exception("Run control event %s failed", event.get("type"))

    async def _handle(self, event: dict[str, Any]) -> None:
        for session in list(self.sessions.get(event.get("thread", ""), ())):
            if event["type"] == "run.stop":
                await session.stop()
            elif event["type"] == "run.sync":
                await session.resync()
            elif event["type"] == "ask.answer":
                session.answer(event["ask"], event["answer"])
            elif event["type"] == "chat.restarted" and session.id != event.get("origin"):
                # Another tab started the chat over (another profile): this tab's session
                # works in the new chat too, not in the one its page no longer shows.
                adopt = getattr(session, "adopt_new_chat", None)
                if adopt is not None:
                    await adopt()
            elif event["type"] == "settings.changed":
                # Every tab's session of the thread works with the settings just saved.
                session.user_session["chat_settings"] = dict(event["values"])


_controls: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, RunControl] = (
    weakref.WeakKeyDictionary()
)


def control() -> RunControl:
    """This process's run control (one per event loop)."""
    loop = asyncio.get_running_loop()
    found = _controls.get(loop)
    if found is None:
        found = _controls[loop] = RunControl()
    return found


async def _send(thread_id: UUID, kind: str) -> None:
    await get_channel_layer().group_send(
        control_group(thread_id), {"type": kind, "thread": str(thread_id)}
    )


async def share_settings(thread_id: UUID, values: dict[str, Any]) -> None:
    await get_channel_layer().group_send(
        control_group(thread_id),
        {"type": "settings.changed", "thread": str(thread_id), "values": values},
    )


async def share_restart(thread_id: UUID, origin: str) -> None:
    """Tells the thread's other sessions that session `origin` started the chat over."""
    await get_channel_layer().group_send(
        control_group(thread_id),
        {"type": "chat.restarted", "thread": str(thread_id), "origin": origin},
    )


async def send_answer(thread_id: UUID, ask_id: str, answer: Any) -> None:
    await get_channel_layer().group_send(
        control_group(thread_id),
        {"type": "ask.answer", "thread": str(thread_id), "ask": ask_id, "answer": answer},
    )


async def request_stop(thread_id: UUID) -> None:
    await _send(thread_id, "run.stop")


async def request_sync(thread_id: UUID) -> None:
    await _send(thread_id, "run.sync")

"""Sockets take turns to be set up, so that a storm of them cannot stall everyone else.

Setting a socket up (the session cookie's user, the thread, its snapshot, the chat
session) takes several trips to the database, and every database call of the process
waits in one queue (Django's database thread). Five hundred sockets opened at once, even
ones dropped straight away, queued thousands of calls ahead of the next message of every
other user: seconds of silence. A few set-ups at a time keep that queue short; the other
sockets wait for their turn before anything is looked up, where waiting costs nothing and
nobody waits behind them.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from typing import Any

# Enough to keep the database thread busy during a burst of legitimate connects.
SETUPS_AT_ONCE = 4
SCOPE_KEY = "chat.setup_done"
LONGEST_TURN_SECONDS = 10.0

_turns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


def _turns_of_this_loop() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    turns = _turns.get(loop)
    if turns is None:
        turns = _turns[loop] = asyncio.Semaphore(SETUPS_AT_ONCE)
    return turns


class SetupTurns:
    """ASGI middleware for the websocket route, inside the origin check: a socket is
    accepted at once (the handshake costs nothing, and a browser's does not time out),
    then set up (authenticated, its consumer connected) only in its turn; the consumer
    ends the turn with setup_done(), or the connection's end does."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> Any:
        if scope["type"] != "websocket":
            return await self.app(scope, receive, send)
        connect = await receive()
        if connect["type"] != "websocket.connect":
            return None  # gone before its handshake
        await send({"type": "websocket.accept"})
        # Waits for a turn, or for the client to go: a socket dropped while it waited
        # (a storm of connects and resets) is never set up at all.
        turns = _turns_of_this_loop()
        following = asyncio.ensure_future(receive())
        turn = asyncio.ensure_future(turns.acquire())
        admitted = False
        try:
            await asyncio.wait({following, turn}, return_when=asyncio.FIRST_COMPLETED)
            if following.done() and _gone(following):
                return None
            await turn
            admitted = True
        finally:
            if not admitted:  # gone, or the server stopped it: give back what it holds
                if turn.done() and not turn.cancelled():
                    turns.release()
                else:
                    turn.cancel()
                if not following.done():
                    following.cancel()
        ended = False

        def end_turn() -> None:
            nonlocal ended
            if not ended:
                ended = True
                turns.release()

        # The app reads the connect, then what came while it waited, then the rest.
        queued: list[Any] = [connect, following]

        async def receive_in_order() -> dict:
            if queued:
                item = queued.pop(0)
                return await item if isinstance(item, asyncio.Future) else item
            return await receive()

        async def send_after_accept(message: dict) -> None:
            if message["type"] != "websocket.accept":  # accepted already
                await send(message)

        # A consumer that never says it is set up gives its turn back anyway, in time.
        timer = asyncio.get_running_loop().call_later(LONGEST_TURN_SECONDS, end_turn)
        try:
            return await self.app(
                {**scope, SCOPE_KEY: end_turn}, receive_in_order, send_after_accept
            )
        finally:
            timer.cancel()
            end_turn()
            if not following.done():
                following.cancel()


def _gone(message: asyncio.Future[Any]) -> bool:
    return not message.cancelled() and message.result()["type"] == "websocket.disconnect"


def setup_done(scope: dict) -> None:
    """The socket is set up: the next one may start."""
    end_turn: Callable[[], None] | None = scope.get(SCOPE_KEY)
    if end_turn is not None:
        end_turn()

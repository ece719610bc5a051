"""Discord messages and mentions, read from Discord's Gateway (a websocket the bot opens),
beside `/ask`: a direct message to the bot, or a channel message that mentions it, is a
question in the person's conversation with the assistant (the same one `/ask` uses).

`python manage.py discord_gateway` (CHAT_DISCORD_BOT_TOKEN) connects with the intents for
guild and direct messages and their content (the privileged Message Content intent must
be turned on for the bot in Discord's developer portal) and keeps the heartbeat Discord
asks for.

A connection that drops, stops acknowledging heartbeats, or that Discord asks to leave
(op 7) is opened again and RESUMEd (op 6: the session id, the last sequence number seen,
at the resume_gateway_url READY gave), so Discord replays what was sent meanwhile and no
message is missed; a session Discord no longer knows (op 9 with d=false, close codes
4007/4009) identifies afresh. A close code after which retrying cannot help (a bad token,
intents not allowed, shards wrong) stops the command with Discord's reason.

Sharding: a bot in many guilds splits them over shards (Discord requires it from 2,500
guilds); each shard is one connection that identifies with `shard: [id, count]`. Run one
process per shard (--shard-id/--shard-count, or CHAT_DISCORD_SHARD_ID/_COUNT), or several
in one process (--shards N, or "auto" for the count Discord recommends).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import random
import re
from typing import Any

import httpx
from django.conf import settings
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, WebSocketException

from chat.platforms import guard
from chat.platforms.discord import service
from chat.platforms.headless import in_background

logger = logging.getLogger(__name__)

GUILD_MESSAGES, DIRECT_MESSAGES, MESSAGE_CONTENT = 1 << 9, 1 << 12, 1 << 15
INTENTS = GUILD_MESSAGES | DIRECT_MESSAGES | MESSAGE_CONTENT
DISPATCH, HEARTBEAT, IDENTIFY, RESUME = 0, 1, 2, 6
RECONNECT, INVALID_SESSION, HELLO, HEARTBEAT_ACK = 7, 9, 10, 11
# Closed with these, connecting again cannot help: authentication failed, invalid shard,
# sharding required, invalid API version, invalid intents, disallowed intents.
FATAL_CLOSE_CODES = frozenset({4004, 4010, 4011, 4012, 4013, 4014})
# Closed with these, the session is gone (invalid sequence, session timed out): identify.
SESSION_ENDING_CLOSE_CODES = frozenset({4007, 4009})
# Closing with 1000 or 1001 ends the session on Discord's side; any other code keeps it
# resumable.
RESUMABLE_CLOSE = 4000
# After an invalid session, Discord asks for a wait of 1 to 5 s before identifying again.
INVALID_SESSION_WAIT = (1.0, 5.0)
# Identifies of one rate-limit bucket (shard id % max_concurrency) at least this far apart.
IDENTIFY_SPACING = 5.0
HELLO_TIMEOUT = 30.0
MAX_BACKOFF = 60.0


class GatewayRefused(Exception):
    """Discord closed the Gateway with a code after which connecting again cannot help."""


Shard = tuple[int, int]  # (shard id, shard count)


def question(message: dict[str, Any], bot_id: str) -> str | None:
    """The question in a message: a direct message's text, or a channel message's text
    without the bot's mention; None for a message not for the bot (or from a bot)."""
    author = message.get("author") or {}
    if author.get("bot") or not author.get("id") or not isinstance(message.get("content"), str):
        return None
    mentioned = any(str(m.get("id")) == bot_id for m in message.get("mentions") or [])
    if message.get("guild_id") and not mentioned:
        return None
    return re.sub(rf"<@!?{re.escape(bot_id)}>", "", message["content"]).strip()


def plan_shards(shard_id: int | None, shard_count: int | None, shards: str | None) -> Any:
    """The shards this process runs: None (one connection, not sharded), a list of
    (id, count), or "auto" (as many as Discord recommends). ValueError says what is wrong."""
    if shards is not None:
        if shard_id is not None or shard_count is not None:
            raise ValueError("Give either --shards or --shard-id with --shard-count, not both.")
        if shards == "auto":
            return "auto"
        if not shards.isdigit() or int(shards) < 1:
            raise ValueError("--shards takes a number of shards (1 or more) or 'auto'.")
        return [(i, int(shards)) for i in range(int(shards))]
    if shard_id is None and shard_count is None:
        return None
    if shard_id is None or shard_count is None:
        raise ValueError("A shard needs both its id and the shard count.")
    if shard_count < 1 or not 0 <= shard_id < shard_count:
        raise ValueError(f"Shard id {shard_id} is not one of 0 to {shard_count - 1}.")
    return [(shard_id, shard_count)]


@dataclasses.dataclass(frozen=True)
class GatewayInfo:
    """GET /gateway/bot: where to connect, the shards Discord recommends, and how many
    sessions may start (and how many at once)."""

    url: str
    shards: int = 1
    remaining: int = 1
    reset_after: float = 0.0  # seconds until `remaining` is refilled
    max_concurrency: int = 1


async def gateway_info() -> GatewayInfo:
    base = settings.CHAT_DISCORD_API_URL.rstrip("/")
    headers = {"Authorization": f"Bot {settings.CHAT_DISCORD_BOT_TOKEN}"}
    async with httpx.AsyncClient(timeout=15) as client:
        response = await client.get(f"{base}/gateway/bot", headers=headers)
    if response.status_code == 401:
        raise GatewayRefused("Discord refused the bot token (CHAT_DISCORD_BOT_TOKEN).")
    response.raise_for_status()
    data = response.json()
    limit = data.get("session_start_limit") or {}
    return GatewayInfo(
        url=str(data["url"]),
        shards=max(1, int(data.get("shards") or 1)),
        remaining=int(limit.get("remaining", 1)),
        reset_after=float(limit.get("reset_after", 0)) / 1000,
        max_concurrency=max(1, int(limit.get("max_concurrency") or 1)),
    )


class IdentifyTurns:
    """Discord's identify limit: shards of one bucket identify one at a time, at least
    IDENTIFY_SPACING apart; the shards of a process share one of these."""

    def __init__(self, max_concurrency: int = 1) -> None:
        self.max_concurrency = max(1, max_concurrency)
        self._locks: dict[int, asyncio.Lock] = {}
        self._last: dict[int, float] = {}

    async def wait(self, shard_id: int) -> None:
        bucket = shard_id % self.max_concurrency
        async with self._locks.setdefault(bucket, asyncio.Lock()):
            loop = asyncio.get_running_loop()
            if bucket in self._last:
                await asyncio.sleep(max(0.0, self._last[bucket] + IDENTIFY_SPACING - loop.time()))
            self._last[bucket] = loop.time()


def _url(base: str) -> str:
    return f"{base.rstrip('/')}/?v=10&encoding=json"


class Gateway:
    """One Gateway connection (one shard), opened again and resumed until stopped."""

    def __init__(self, shard: Shard | None = None, turns: IdentifyTurns | None = None) -> None:
        self.shard = shard
        self.turns = turns or IdentifyTurns()
        self.bot_id = ""
        self.session_id = ""
        self.resume_url = ""
        self.sequence: int | None = None
        self.acked = True
        self.failures = 0  # connections in a row that failed

    @property
    def name(self) -> str:
        return f"shard {self.shard[0]}/{self.shard[1]}" if self.shard else "gateway"

    def _forget_session(self) -> None:
        self.session_id, self.resume_url, self.sequence = "", "", None

    async def run(self, stop: asyncio.Event) -> None:
        """Connected until `stop` is set; raises GatewayRefused when retrying cannot help."""
        while not stop.is_set():
            try:
                await self._connection(stop)
            # A dropped or refused socket (a 5xx at the handshake too), an HTTP error, a
            # garbled frame: connect again.
            except (OSError, WebSocketException, httpx.HTTPError, ValueError, KeyError) as error:
                self.failures += 1
                logger.warning("Discord %s: %s; connecting again", self.name, error)
            # The first retry is at once (a resume should come quickly); then back off.
            delay = min(MAX_BACKOFF, 2.0 ** (self.failures - 2)) if self.failures > 1 else 0
            if delay and not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay)

    async def _connection(self, stop: asyncio.Event) -> None:
        """One connection: hello, resume or identify, then frames until Discord asks for
        another connection (returns) or it fails (raises)."""
        resuming = bool(self.session_id and self.resume_url)
        base = self.resume_url if resuming else await self._fresh_url(stop)
        if stop.is_set():
            return
        async with connect(_url(base), proxy=None, max_size=2**22) as socket:
            hello = json.loads(await asyncio.wait_for(socket.recv(), HELLO_TIMEOUT))
            if hello.get("op") != HELLO:
                raise ConnectionError("the gateway did not say hello")
            interval = float(hello["d"]["heartbeat_interval"]) / 1000
            if resuming:
                await socket.send(json.dumps({"op": RESUME, "d": self._resume()}))
            else:
                await self.turns.wait(self.shard[0] if self.shard else 0)
                await socket.send(json.dumps({"op": IDENTIFY, "d": self._identity()}))
            await self._frames(socket, interval, stop)

    async def _fresh_url(self, stop: asyncio.Event) -> str:
        info = await gateway_info()
        if info.remaining < 1:
            logger.warning(
                "Discord %s: no session starts left; waiting %.0f s", self.name, info.reset_after
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), info.reset_after)
        return info.url

    async def _frames(self, socket: ClientConnection, interval: float, stop: asyncio.Event) -> None:
        self.acked = True
        beating = asyncio.ensure_future(self._heartbeat(socket, interval))
        stopping = asyncio.ensure_future(stop.wait())
        receiving: asyncio.Future[Any] | None = None
        try:
            while True:
                receiving = asyncio.ensure_future(socket.recv())
                done, _ = await asyncio.wait(
                    {receiving, stopping, beating}, return_when=asyncio.FIRST_COMPLETED
                )
                if stopping in done:
                    await socket.close()  # 1000: the session ends with the command
                    return
                if beating in done:
                    beating.result()  # a failed send raises here
                    await socket.close(RESUMABLE_CLOSE, "heartbeat not acknowledged")
                    raise ConnectionError("a heartbeat was not acknowledged")
                try:
                    frame = json.loads(receiving.result())
                except ConnectionClosed as closed:
                    self._closed(closed)
                    raise
                if not await self._handle(frame, socket):
                    await socket.close(RESUMABLE_CLOSE, "connecting again")
                    return
        finally:
            for task in (beating, stopping, receiving):
                if task is not None:
                    task.cancel()

    def _closed(self, closed: ConnectionClosed) -> None:
        code = closed.rcvd.code if closed.rcvd is not None else None
        if code in FATAL_CLOSE_CODES:
            reason = closed.rcvd.reason if closed.rcvd is not None else ""
            raise GatewayRefused(f"Discord closed the Gateway: {code} {reason}".strip()) from None
        if code in SESSION_ENDING_CLOSE_CODES:
            self._forget_session()

    def _identity(self) -> dict[str, Any]:
        identity: dict[str, Any] = {
            "token": settings.CHAT_DISCORD_BOT_TOKEN,
            "intents": INTENTS,
            "properties": {"os": "linux", "browser": "chat", "device": "chat"},
        }
        if self.shard is not None:
            identity["shard"] = list(self.shard)
        return identity

    def _resume(self) -> dict[str, Any]:
        return {
            "token": settings.CHAT_DISCORD_BOT_TOKEN,
            "session_id": self.session_id,
            "seq": self.sequence,
        }

    async def _heartbeat(self, socket: ClientConnection, interval: float) -> None:
        """Beats every interval (the first after a random part of it, as Discord asks);
        returns when the last beat went unacknowledged: the connection is a zombie."""
        await asyncio.sleep(interval * random.random())  # noqa: S311 (jitter, not a secret)
        while True:
            if not self.acked:
                return
            self.acked = False
            await socket.send(json.dumps({"op": HEARTBEAT, "d": self.sequence}))
            await asyncio.sleep(interval)

    async def _handle(self, frame: dict[str, Any], socket: ClientConnection) -> bool:
        """Handles one frame; False when the connection is to be opened again."""
        if frame.get("s") is not None:
            self.sequence = frame["s"]
        op = frame.get("op")
        if op == HEARTBEAT_ACK:
            self.acked = True
        elif op == HEARTBEAT:  # Discord asks for a beat now
            await socket.send(json.dumps({"op": HEARTBEAT, "d": self.sequence}))
        elif op == RECONNECT:
            return False
        elif op == INVALID_SESSION:
            if not frame.get("d"):
                self._forget_session()
                await asyncio.sleep(random.uniform(*INVALID_SESSION_WAIT))  # noqa: S311
            return False
        elif op == DISPATCH:
            await self._dispatch(frame.get("t"), frame.get("d") or {})
        return True

    async def _dispatch(self, kind: Any, data: dict[str, Any]) -> None:
        if kind == "READY":
            self.bot_id = str((data.get("user") or {}).get("id") or "")
            self.session_id = str(data.get("session_id") or "")
            self.resume_url = str(data.get("resume_gateway_url") or "")
            self.failures = 0
            logger.info("Discord %s: ready", self.name)
        elif kind == "RESUMED":
            self.failures = 0
            logger.info("Discord %s: resumed", self.name)
        elif kind == "MESSAGE_CREATE" and self.bot_id:
            text = question(data, self.bot_id)
            # A message replayed on resume, or seen by two processes, is answered once.
            if text is not None and await guard.first_time("discord", f"msg:{data.get('id')}"):
                in_background(service.handle_message(data, text), name=f"discord-{data['id']}")


async def serve(stop: asyncio.Event, shards: Any = None) -> None:
    """Runs the shards `plan_shards` gave (None: one unsharded connection) until `stop`."""
    if shards is None:
        await Gateway().run(stop)
        return
    info = await gateway_info()
    if shards == "auto":
        shards = [(i, info.shards) for i in range(info.shards)]
    turns = IdentifyTurns(info.max_concurrency)
    try:
        async with asyncio.TaskGroup() as group:
            for shard in shards:
                group.create_task(Gateway(shard, turns).run(stop))
    except* GatewayRefused as refused:
        stop.set()
        raise refused.exceptions[0] from None

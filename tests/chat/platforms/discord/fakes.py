"""Discord's side of a bot's Gateway on 127.0.0.1: hello, identify and READY, heartbeats
and their ACKs, dispatches numbered per session and kept, RESUME (the events after the
bot's last sequence replayed, then RESUMED), op 7, op 9, close codes, shards routed by
guild; and the REST API the bot answers through."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import uuid
from typing import Any

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from tests.chat.platforms.fakes import Call, FakeApi

BOT_TOKEN = "bot-token-1"
BOT_ID = "B0T"
# Guild ids are snowflakes: the shard of a guild is (id >> 22) % shard count.
GUILD_ON_SHARD_0 = str(2 << 22)  # (2 << 22 >> 22) % 2 == 0
GUILD_ON_SHARD_1 = str(3 << 22)


class Session:
    def __init__(self, shard: list[int] | None) -> None:
        self.id = uuid.uuid4().hex
        self.shard = shard
        self.sequence = 0
        self.log: list[dict] = []  # every dispatch, for replay on resume
        self.socket: ServerConnection | None = None
        self.silent = False  # stops acknowledging heartbeats on its current connection
        self.ended = False  # the bot closed with 1000 or 1001: no longer resumable


class FakeGateway:
    def __init__(
        self, *, recommended_shards: int = 1, max_concurrency: int = 1, heartbeat_ms: int = 2000
    ) -> None:
        # Discord asks for ~41 s; short here, but long enough that a loaded machine's slow
        # ACK is not taken for a dead connection.
        self.heartbeat_ms = heartbeat_ms
        self.url = ""
        self.resume_url = ""  # a second server, as Discord's resume_gateway_url is
        self.recommended_shards = recommended_shards
        self.max_concurrency = max_concurrency
        self.sessions: list[Session] = []
        self.identified: list[dict] = []
        self.resumes: list[dict] = []
        self.connections: list[str] = []  # "main" or "resume", in order
        self.close_codes: list[int | None] = []  # what the bot closed each connection with
        self.heartbeats: list[Any] = []
        self.refuse_next_resume = False
        self.refuse_intents = False  # the Message Content intent not turned on for the bot
        self._servers: list[Any] = []
        self._sending: set[asyncio.Future[None]] = set()

    async def __aenter__(self) -> FakeGateway:
        for name in ("main", "resume"):

            async def handler(websocket: ServerConnection, name: str = name) -> None:
                await self.handler(websocket, name)

            server = await serve(handler, "127.0.0.1", 0).__aenter__()
            self._servers.append(server)
            url = f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}"
            setattr(self, "url" if name == "main" else "resume_url", url)
        return self

    async def __aexit__(self, *exc: Any) -> None:
        for server in self._servers:
            server.close()
            await server.wait_closed()

    # -- a connection -----------------------------------------------------------------------
    async def handler(self, websocket: ServerConnection, name: str) -> None:
        self.connections.append(name)
        assert websocket.request.path == "/?v=10&encoding=json"
        hello = {"heartbeat_interval": self.heartbeat_ms}
        await websocket.send(json.dumps({"op": 10, "d": hello}))
        first = json.loads(await websocket.recv())
        session = await self._start(websocket, first)
        if session is None:
            return
        try:
            with contextlib.suppress(ConnectionClosed):  # a dropped connection ends here
                async for raw in websocket:
                    frame = json.loads(raw)
                    if frame["op"] == 1:
                        self.heartbeats.append(frame["d"])
                        if not session.silent:
                            await websocket.send(json.dumps({"op": 11}))
        finally:
            if session.socket is websocket:
                session.socket = None
            self.close_codes.append(websocket.close_code)
            if websocket.close_code in (1000, 1001):
                session.ended = True  # as Discord does: such a close ends the session

    async def _start(self, websocket: ServerConnection, first: dict) -> Session | None:
        if first["op"] == 2:
            identify = first["d"]
            self.identified.append(identify)
            if identify["token"] != BOT_TOKEN:
                await websocket.close(4004, "Authentication failed.")
                return None
            if self.refuse_intents and identify["intents"] & (1 << 15):
                await websocket.close(4014, "Disallowed intent(s).")
                return None
            shard = identify.get("shard")
            if shard is not None and not (0 <= shard[0] < shard[1]):
                await websocket.close(4010, "Invalid shard.")
                return None
            session = Session(shard)
            self.sessions.append(session)
            session.socket = websocket
            ready = {
                "v": 10,
                "user": {"id": BOT_ID, "bot": True},
                "session_id": session.id,
                "resume_gateway_url": self.resume_url,
            }
            if shard is not None:
                ready["shard"] = shard
            self.dispatch(session, "READY", ready)
            return session
        assert first["op"] == 6, f"neither identify nor resume: {first}"
        self.resumes.append(first["d"])
        session = next(
            (s for s in self.sessions if s.id == first["d"]["session_id"] and not s.ended), None
        )
        if session is None or self.refuse_next_resume or first["d"]["token"] != BOT_TOKEN:
            self.refuse_next_resume = False
            await websocket.send(json.dumps({"op": 9, "d": False}))
            await websocket.wait_closed()
            return None
        session.socket = websocket
        session.silent = False
        for frame in session.log:
            if frame["s"] > (first["d"]["seq"] or 0):
                await websocket.send(json.dumps(frame))
        self.dispatch(session, "RESUMED", {})
        return session

    # -- what Discord sends -----------------------------------------------------------------
    def dispatch(self, session: Session, kind: str, data: dict) -> None:
        """Numbers and keeps the event; sends it if the session is connected now."""
        session.sequence += 1
        frame = {"op": 0, "t": kind, "s": session.sequence, "d": data}
        session.log.append(frame)
        if session.socket is not None:
            self._send(session.socket, frame)

    def _send(self, socket: ServerConnection, frame: dict) -> None:
        async def send() -> None:
            with contextlib.suppress(ConnectionClosed):  # gone meanwhile: a resume replays it
                await socket.send(json.dumps(frame))

        task = asyncio.ensure_future(send())
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    def session_for(self, guild: str | None) -> Session:
        """The live session a message goes to: by guild over the shards; DMs to shard 0."""
        for session in reversed(self.sessions):
            if session.shard is None:
                return session
            shard_id = (int(guild) >> 22) % session.shard[1] if guild else 0
            if session.shard[0] == shard_id:
                return session
        raise AssertionError("no session for this message")

    def message(
        self,
        content: str,
        *,
        guild: str | None = "1",
        mentions=(BOT_ID,),
        author: str = "D-ALICE",
    ) -> dict:
        data = {
            "id": uuid.uuid4().hex[:12],
            "channel_id": "CH9",
            "author": {"id": author, "username": author.lower()},
            "content": content,
            "mentions": [{"id": m} for m in mentions],
            "attachments": [],
        }
        if guild:
            data["guild_id"] = guild
        self.dispatch(self.session_for(guild), "MESSAGE_CREATE", data)
        return data

    def op(self, session: Session, op: int, d: Any = None) -> None:
        """A control frame: 7 (reconnect), 9 (invalid session), 1 (heartbeat now)."""
        assert session.socket is not None
        self._send(session.socket, {"op": op, "d": d})

    def drop(self, session: Session) -> None:
        """Cuts the TCP connection at once: no close frame, whatever was queued is lost."""
        assert session.socket is not None
        session.socket.transport.abort()
        session.socket = None

    async def close(self, session: Session, code: int, reason: str = "") -> None:
        assert session.socket is not None
        await session.socket.close(code, reason)


class FakeRest(FakeApi):
    def __init__(self, gateway: FakeGateway) -> None:
        self.gateway = gateway
        self.ids = 0
        self.history: list[dict] | int | None = None  # the channel's messages, or a refusal
        self.messages: dict[str, str] = {}  # the bot's messages by id: their latest text
        self.typing: list[str] = []  # channels the bot showed "typing…" in
        self.lock = threading.Lock()
        super().__init__(self.answer)

    def answer(self, call: Call):
        if call.headers.get("authorization") != f"Bot {BOT_TOKEN}":
            return 401, {"message": "401: Unauthorized"}
        if call.path.endswith("/gateway/bot"):
            return 200, {
                "url": self.gateway.url,
                "shards": self.gateway.recommended_shards,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 14400000,
                    "max_concurrency": self.gateway.max_concurrency,
                },
            }
        if call.path.endswith("/typing"):
            with self.lock:
                self.typing.append(call.path.split("/")[-2])
            return 204, None
        if call.method == "GET" and call.path.endswith("/messages"):
            if isinstance(self.history, int):
                return self.history, {"message": "Missing Access", "code": 50001}
            # Newest first, as Discord lists them.
            return 200, list(reversed(self.history or []))
        content = (call.body or {}).get("content", "") if isinstance(call.body, dict) else ""
        with self.lock:
            if call.method == "POST":
                self.ids += 1
                message_id = f"M{self.ids}"
            else:
                message_id = call.path.rsplit("/", 1)[-1]
            if call.method in ("POST", "PATCH"):
                self.messages[message_id] = content
        return 200, {"id": message_id, **(call.body or {})}

    def contents(self) -> list[str]:
        return [
            (c.body or {}).get("content", "")
            for c in list(self.calls)
            if "/channels/CH9/messages" in c.path and c.method in ("POST", "PATCH")
        ]

    def answers_to(self, text: str) -> int:
        """How many of the bot's messages ended as the echo's answer to `text`."""
        with self.lock:
            return sum(1 for t in self.messages.values() if t == f"echo from discord: {text}")

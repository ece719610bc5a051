"""A tab's websocket for voice tests: recordings sent as binary frames, the audio frames
that come back read as header and data; synthetic PCM16 (silence, a tone)."""

from __future__ import annotations

import asyncio
import json
import math
import struct
import uuid

import pytest
from channels.testing import WebsocketCommunicator

from tests.chat.web.test_consumers import ORIGIN, path_of, session_cookie

__all__ = ["ORIGIN", "path_of", "session_cookie"]

RATE = 24000


def silence(seconds: float) -> bytes:
    return b"\0\0" * int(RATE * seconds)


def tone(seconds: float, hz: float = 440.0, level: int = 12000) -> bytes:
    count = int(RATE * seconds)
    return struct.pack(
        f"<{count}h", *(int(level * math.sin(2 * math.pi * hz * i / RATE)) for i in range(count))
    )


def pieces(pcm: bytes, size: int = 4800) -> list[bytes]:
    return [pcm[i : i + size] for i in range(0, len(pcm), size)]


def header_of(frame: bytes) -> tuple[dict, bytes]:
    length = int.from_bytes(frame[:2], "big")
    return json.loads(frame[2 : 2 + length]), frame[2 + length :]


class Tab:
    def __init__(self, communicator: WebsocketCommunicator) -> None:
        self.communicator = communicator
        self.texts: list[str] = []
        self.binaries: list[bytes] = []

    async def until(self, predicate, *, within: float = 10.0):
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            try:
                output = await self.communicator.receive_output(
                    timeout=max(0.0, deadline - loop.time())
                )
            except TimeoutError:
                pytest.fail(f"Nothing matching within {within} s: {self.texts[-3:]}")
            assert output["type"] == "websocket.send", f"socket closed: {output}"
            frame = output.get("text") if output.get("text") is not None else output["bytes"]
            (self.texts if isinstance(frame, str) else self.binaries).append(frame)
            if predicate(frame):
                return frame

    async def send(self, **fields) -> None:
        await self.communicator.send_to(text_data=json.dumps({**fields, "HEADERS": {}}))

    async def say(self, content: str) -> None:
        await self.send(type="message", content=content, client_id=uuid.uuid4().hex)

    async def connection(self, state: str) -> None:
        def wanted(frame) -> bool:
            if not isinstance(frame, bytes):
                return False
            header = header_of(frame)[0]
            return header["type"] == "audio_connection" and header["state"] == state

        await self.until(wanted)

    async def record(self, pcm: bytes) -> None:
        await self.send(type="audio_start")
        await self.connection("on")
        for piece in pieces(pcm):
            await self.communicator.send_to(bytes_data=piece)
        await self.send(type="audio_end")


def text_with(words: str):
    return lambda f: isinstance(f, str) and words in f


def notice(f) -> bool:
    return isinstance(f, str) and 'id="chat-notice"' in f

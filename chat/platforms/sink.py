"""Where a headless session's output goes: a chat platform's messages, posted and edited.

A sink receives the assistant's messages as plain data (OutMessage: text, buttons,
element links) when they are created, streamed, updated and removed. Streamed text is
not sent per token: the platform message is edited at most once per
CHAT_PLATFORM_EDIT_SECONDS while the answer streams, then once more with the final text,
which keeps well inside the platforms' rate limits.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from typing import Any, Protocol

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.files.storage import default_storage
from django.urls import reverse

from chat.engine.background import spawn
from chat.models import Message
from chat.rendering.feedback import rateable

logger = logging.getLogger(__name__)

ACTION = "a"
ASK = "q"
RATE = "f"
# A rating's value as a click sends it, and as the message shows it once given.
RATINGS = {"1": "👍", "-1": "👎"}

# Shown after a message that is still being written.
STREAMING_MARK = " …"


@dataclasses.dataclass(frozen=True)
class OutButton:
    label: str
    # What a click sends back, through the platform: kind, message id and action id.
    value: str


@dataclasses.dataclass(frozen=True)
class OutElement:
    name: str
    kind: str
    url: str  # absolute, or empty when the site's public URL is not configured
    text: str = ""  # a Text element's content, shown as a quote
    path: str = ""  # the stored file's name, for platforms that take uploads
    size: int = 0
    mime: str = ""
    id: str = ""  # the element's own id, for a platform that fetches the file later


@dataclasses.dataclass(frozen=True)
class OutMessage:
    id: str
    author: str
    content: str
    status: str
    is_error: bool = False
    buttons: tuple[OutButton, ...] = ()
    elements: tuple[OutElement, ...] = ()
    rating: int | None = None  # the asker's rating, shown in place of the rating buttons

    @property
    def streaming(self) -> bool:
        return self.status == Message.Status.STREAMING

    def markdown_lines(self) -> list[str]:
        """The text (marked while it streams or when it is an error), then each element as
        a link with the start of its text quoted: for platforms that read plain markdown."""
        text = self.content
        if self.streaming:
            text += STREAMING_MARK
        if self.is_error:
            text = f"⚠️ {text}"
        lines = [text.strip() or "…"]
        for element in self.elements:
            lines.append(f"[{element.name}]({element.url})" if element.url else element.name)
            if element.text:
                lines.extend(f"> {row}" for row in element.text.splitlines()[:10])
        if self.rating is not None:
            lines.append(RATINGS[str(self.rating)])
        return lines

    def rated(self, value: int) -> OutMessage:
        """The message once the asker rated it: the rating instead of its buttons."""
        kept = tuple(b for b in self.buttons if not b.value.startswith(f"{RATE}:"))
        return dataclasses.replace(self, buttons=kept, rating=value)


def button_value(kind: str, message_id: str, action_id: str) -> str:
    return f"{kind}:{message_id}:{action_id}"


def parse_button(value: Any) -> tuple[str, str, str]:
    """(kind, message id, action id) of a clicked button's value; ValueError if not ours."""
    if not isinstance(value, str) or len(value) > 200:
        raise ValueError("not a button value")
    kind, _, rest = value.partition(":")
    message_id, _, action_id = rest.partition(":")
    if kind not in (ACTION, ASK, RATE) or not message_id or not action_id:
        raise ValueError("not a button value")
    if kind == RATE and action_id not in RATINGS:
        raise ValueError("not a rating")
    return kind, message_id, action_id


def _read(path: str, limit: int) -> bytes | None:
    """A stored file's bytes, or None when it is over `limit` (read no further than that)."""
    with default_storage.open(path, "rb") as stored:
        data = stored.read(limit + 1)
    return None if len(data) > limit else data


read_stored = sync_to_async(_read, thread_sensitive=False)


def element_url(element: Any) -> str:
    if element.url:
        return element.url
    base = settings.CHAT_PUBLIC_URL.rstrip("/")
    if not base:
        return ""
    return base + reverse("chat:element", args=[element.pk])


def out_message(row: Message, elements: list[Any] | None = None) -> OutMessage:
    """The stored message as a platform shows it (elements must be fetched already)."""
    buttons = [
        OutButton(a.get("label") or a.get("name") or "", button_value(ACTION, str(row.pk), a["id"]))
        for a in row.metadata.get("actions", [])
    ]
    ask = row.metadata.get("ask") or {}
    if ask.get("kind") == "action" and ask.get("status") == "pending":
        buttons += [
            OutButton(
                a.get("label") or a.get("name") or "", button_value(ASK, str(row.pk), a["id"])
            )
            for a in ask.get("actions", [])
        ]
    if settings.CHAT_PLATFORM_FEEDBACK and rateable(row, row.status):
        buttons += [
            OutButton(face, button_value(RATE, str(row.pk), value))
            for value, face in RATINGS.items()
        ]
    shown = [
        OutElement(
            name=e.name,
            kind=e.kind,
            url=element_url(e),
            text=e.content[:1500] if e.kind == "text" and not e.file else "",
            path=e.file.name if e.file else "",
            size=e.size,
            mime=e.mime,
            id=str(e.pk),
        )
        for e in (elements or [])
    ]
    return OutMessage(
        id=str(row.pk),
        author=row.author_name,
        content=row.content,
        status=row.status,
        is_error=row.is_error,
        buttons=tuple(buttons),
        elements=tuple(shown),
    )


class StreamText(Protocol):
    @property
    def text(self) -> str: ...


class PlatformSink:
    """Posts, edits and deletes a platform's messages; subclasses say how."""

    def __init__(self) -> None:
        self.edit_seconds = settings.CHAT_PLATFORM_EDIT_SECONDS
        self.refs: dict[str, Any] = {}  # our message id -> the platform's message
        self.shown: dict[str, OutMessage] = {}
        self._lock = asyncio.Lock()  # one platform call at a time, in order
        self._edited_at: dict[str, float] = {}
        self._waiting: dict[str, asyncio.Task[Any]] = {}
        self.uploaded: set[tuple[str, str]] = set()  # (message id, file) sent as uploads
        self.ratings: dict[str, int] = {}  # message id -> the rating given here

    # -- what a platform implements ---------------------------------------------------------
    async def post(self, message: OutMessage) -> Any:
        """Posts a new message; returns what edit() and delete() need to find it."""
        raise NotImplementedError

    async def edit(self, ref: Any, message: OutMessage) -> None:
        raise NotImplementedError

    async def delete(self, ref: Any) -> None:
        raise NotImplementedError

    async def notice(self, text: str) -> None:
        """A short note to the person who wrote (an error, a refusal)."""
        raise NotImplementedError

    async def upload(self, ref: Any, element: OutElement, data: bytes) -> None:
        """Sends an answer's file as the platform's own upload, next to the message `ref`
        (which keeps the file's link, so a refused upload leaves the link to it)."""
        raise NotImplementedError

    def begin(self, event: dict[str, Any]) -> None:
        """A new event from the platform arrived in this conversation (a new interaction
        token to answer with, say). Nothing by default."""

    # -- what the headless session calls -------------------------------------------------------
    async def created(self, message: OutMessage) -> None:
        async with self._lock:
            await self._show(message)

    async def updated(self, message: OutMessage) -> None:
        waiting = self._waiting.pop(message.id, None)
        if waiting is not None:
            waiting.cancel()
        async with self._lock:
            await self._show(message)

    async def removed(self, message_id: str) -> None:
        waiting = self._waiting.pop(message_id, None)
        if waiting is not None:
            waiting.cancel()
        async with self._lock:
            self.shown.pop(message_id, None)
            ref = self.refs.pop(message_id, None)
            if ref is not None:
                await self._call(self.delete(ref))

    async def rated(self, message_id: str, value: int) -> bool:
        """The asker rated a message: it shows the rating instead of the buttons. False
        when this sink never showed the message (the session was rebuilt since)."""
        self.ratings[message_id] = value
        shown = self.shown.get(message_id)
        if shown is None:
            return False
        await self.updated(shown)
        return True

    def streamed(self, message_id: str, stream: StreamText) -> None:
        """A token arrived: an edit is due within edit_seconds (one pending at a time)."""
        if message_id in self._waiting or message_id not in self.shown:
            return
        due = self._edited_at.get(message_id, time.monotonic()) + self.edit_seconds
        self._waiting[message_id] = spawn(
            self._edit_later(message_id, stream, max(0.0, due - time.monotonic())),
            name=f"platform-edit-{message_id}",
        )

    async def _edit_later(self, message_id: str, stream: StreamText, wait: float) -> None:
        await asyncio.sleep(wait)
        async with self._lock:
            if self._waiting.get(message_id) is not asyncio.current_task():
                return  # the final text went out meanwhile
            del self._waiting[message_id]
            base = self.shown.get(message_id)
            ref = self.refs.get(message_id)
            if base is None or ref is None:
                return
            self._edited_at[message_id] = time.monotonic()
            await self._call(self.edit(ref, dataclasses.replace(base, content=stream.text)))

    async def _show(self, message: OutMessage) -> None:
        if message.id in self.ratings:
            message = message.rated(self.ratings[message.id])
        self.shown[message.id] = message
        self._edited_at[message.id] = time.monotonic()
        ref = self.refs.get(message.id)
        if ref is None:
            ref = await self._call(self.post(message))
            if ref is not None:
                self.refs[message.id] = ref
        else:
            await self._call(self.edit(ref, message))
        if ref is not None and not message.streaming:
            await self._upload_files(ref, message)

    async def _upload_files(self, ref: Any, message: OutMessage) -> None:
        """Each stored file of a finished answer, once, up to CHAT_PLATFORM_UPLOAD_MAX_MB."""
        own = type(self)
        if own.send_file is PlatformSink.send_file and own.upload is PlatformSink.upload:
            return  # this platform shows links only
        limit = int(settings.CHAT_PLATFORM_UPLOAD_MAX_MB * 1024 * 1024)
        for element in message.elements:
            key = (message.id, element.path)
            if not element.path or key in self.uploaded:
                continue
            self.uploaded.add(key)
            if element.size > limit:
                continue
            await self._call(self.send_file(ref, element, limit))

    async def send_file(self, ref: Any, element: OutElement, limit: int) -> None:
        """Sends one file of an answer (at most `limit` bytes); by default its bytes go to
        upload(). A platform that asks the person first, or sends only some files,
        overrides this."""
        data = await read_stored(element.path, limit)
        if data is None:
            logger.warning("%s: %s is over the upload limit", type(self).__name__, element.name)
            return
        await self.upload(ref, element, data)

    async def _call(self, call: Any) -> Any:
        """A platform call that fails is logged; the conversation is stored regardless."""
        try:
            return await call
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("%s: a call to the platform failed", type(self).__name__)
            return None

    async def close(self) -> None:
        for task in self._waiting.values():
            task.cancel()
        self._waiting.clear()

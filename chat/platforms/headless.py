"""A chat session with no browser: the assistant's hooks answering on a chat platform.

It is the web's ChatSession (the same hooks, one run at a time, user_session kept with the
thread, Stop and catch-up through the run control) with an emitter that also hands every
message to the platform's sink. Everything is still stored and pushed to the thread's
group, so the admin shows the conversation and an open tab of the thread sees it live.

A conversation's session lives in the process that received its last event while events
keep coming; after CHAT_PLATFORM_IDLE_SECONDS without one it closes (on_chat_end runs),
and the next event rebuilds it from the database (on_chat_resume runs), as a reconnecting
socket does.
"""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
import logging
import uuid
import weakref
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from chat.engine import feedback_hook, uploads
from chat.engine.background import spawn
from chat.engine.emitter import Emitter, next_order
from chat.engine.session import ChatSession
from chat.engine.streaming import MessageStream
from chat.errors import UserFacingError
from chat.models import Message, Thread
from chat.platforms.sink import ASK, RATE, PlatformSink, out_message, parse_button
from chat.threads import feedback

logger = logging.getLogger(__name__)


class _SinkStream(MessageStream):
    """A message's stream that also tells the sink, which edits at its own pace."""

    def __init__(self, emitter: PlatformEmitter, *args: Any) -> None:
        super().__init__(emitter, *args)
        self._sink = emitter.sink

    async def add(self, token: str) -> None:
        await super().add(token)
        if token:
            self._sink.streamed(self.message_id, self)

    async def replace(self, text: str) -> None:
        await super().replace(text)
        self._sink.streamed(self.message_id, self)


class PlatformEmitter(Emitter):
    """Stores and pushes as the web's emitter does, then hands the message to the sink.

    The person's own messages came from the platform and are not posted back.
    """

    stream_class = _SinkStream

    def __init__(self, thread_id: Any, sink: PlatformSink) -> None:
        super().__init__(thread_id)
        self.sink = sink

    async def create_message(self, **fields: Any) -> Message | None:
        row = await super().create_message(**fields)
        if row is not None and row.author_kind != Message.Author.USER:
            await self.sink.created(out_message(row))
        return row

    async def update_message(self, message_id: str, **fields: Any) -> Message | None:
        row = await super().update_message(message_id, **fields)
        if row is not None and row.author_kind != Message.Author.USER:
            await self.sink.updated(out_message(row, list(row.elements.all())))
        return row

    async def remove_message(self, message_id: str) -> None:
        await super().remove_message(message_id)
        await self.sink.removed(message_id)

    async def attachments_changed(self, owner_id: str | None) -> None:
        if not owner_id:
            return
        try:
            row = await (
                Message.objects.filter(pk=owner_id, thread_id=self.thread_id)
                .prefetch_related("elements")
                .afirst()
            )
        except (ValueError, TypeError):
            row = None
        # A step's elements stay in the web view: platforms show no steps.
        if row is not None and row.author_kind != Message.Author.USER:
            await self.sink.updated(out_message(row, list(row.elements.all())))

    async def notice(self, text: str, level: str = "error") -> None:
        await super().notice(text, level)
        await self.sink.notice(text)


class HeadlessSession(ChatSession):
    def __init__(self, thread: Thread, user: Any, sink: PlatformSink) -> None:
        super().__init__(thread, user)
        self.emitter = PlatformEmitter(thread.id, sink)
        self.sink = sink
        self.idle_timer: asyncio.TimerHandle | None = None

    async def close(self) -> None:
        await super().close()
        await self.sink.close()

    def run_platform_hook(self, fn: Callable[..., Any], *args: Any) -> None:
        """Runs a platform's own hook (a Slack reaction's, say) in this session, queued
        behind its runs as any hook is."""
        self._spawn_run(self._invoke(fn, *args), "platform-hook")


class Conversations:
    """The live headless sessions of this process (one per event loop), by thread."""

    def __init__(self) -> None:
        self.sessions: dict[str, HeadlessSession] = {}
        self._opening = asyncio.Lock()

    async def session(
        self, thread: Thread, owner: Any, make_sink: Callable[[], PlatformSink]
    ) -> HeadlessSession:
        async with self._opening:
            live = self.sessions.get(str(thread.id))
            if live is None or live.closed:
                live = HeadlessSession(thread, owner, make_sink())
                self.sessions[str(thread.id)] = live
                await live.open()
        self._touch(live)
        return live

    def _touch(self, session: HeadlessSession) -> None:
        if session.idle_timer is not None:
            session.idle_timer.cancel()
        session.idle_timer = asyncio.get_running_loop().call_later(
            settings.CHAT_PLATFORM_IDLE_SECONDS, self._expire, session
        )

    def _expire(self, session: HeadlessSession) -> None:
        session.idle_timer = None
        if session._pending:
            self._touch(session)  # still answering: not idle
            return
        spawn(self._close(session), name=f"platform-idle-{session.thread_id}")

    async def _close(self, session: HeadlessSession) -> None:
        if self.sessions.get(str(session.thread_id)) is session:
            del self.sessions[str(session.thread_id)]
        if session.idle_timer is not None:
            session.idle_timer.cancel()
        if not session.closed:
            await session.close()

    async def close_all(self) -> None:
        for session in list(self.sessions.values()):
            await self._close(session)


_registries: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Conversations] = (
    weakref.WeakKeyDictionary()
)


def conversations() -> Conversations:
    loop = asyncio.get_running_loop()
    found = _registries.get(loop)
    if found is None:
        found = _registries[loop] = Conversations()
    return found


def in_background(coro: Coroutine[Any, Any, Any], name: str) -> None:
    """Runs the work after the platform's request is answered (platforms give ~3 s).

    In a fresh context: a request's context carries its thread-sensitive executor, which
    Django shuts down when the response is sent; the work must outlive it.
    """
    spawn(coro, name=name, context=contextvars.Context())


# -- threads of platform conversations ---------------------------------------------------------
def _thread_for(source: str, external_id: str, owner: Any) -> Thread:
    found = Thread.objects.filter(source=source, external_id=external_id).first()
    if found is not None:
        return found
    try:
        return Thread.objects.create(owner=owner, source=source, external_id=external_id)
    except IntegrityError:  # another event of the same conversation made it meanwhile
        return Thread.objects.get(source=source, external_id=external_id)


@dataclasses.dataclass(frozen=True)
class EarlierLine:
    """A line of the platform conversation written before the assistant was asked."""

    author: str
    text: str
    by_bot: bool = False


@dataclasses.dataclass(frozen=True)
class IncomingFile:
    """A file a person sent with their message on the platform, downloaded."""

    name: str
    content: bytes


@dataclasses.dataclass(frozen=True)
class FileLink:
    """Where a platform keeps a file a person sent, and how to ask for it."""

    name: str
    url: str
    headers: dict[str, str] = dataclasses.field(default_factory=dict)


async def _download(client: Any, link: FileLink, limit: int) -> bytes:
    """A file's bytes; one over the size limit stops at limit + 1 bytes (the upload check
    then refuses it), so memory stays bounded."""
    chunks: list[bytes] = []
    total = 0
    async with client.stream("GET", link.url, headers=link.headers) as response:
        response.raise_for_status()
        async for chunk in response.aiter_bytes():
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                break
    return b"".join(chunks)[: limit + 1]


async def download_files(links: list[FileLink]) -> list[IncomingFile]:
    """The files behind the links, at most one more than a message may carry (enough for
    the count check to refuse the rest)."""
    import httpx  # each platform's extra brings it; the web chat needs none of this

    limit = int(settings.CHAT_UPLOAD_MAX_MB * 1024 * 1024)
    found = []
    async with httpx.AsyncClient(timeout=30, follow_redirects=True) as client:
        for link in links[: settings.CHAT_UPLOAD_MAX_FILES + 1]:
            found.append(IncomingFile(link.name, await _download(client, link, limit)))
    return found


# The earlier lines kept of a conversation the assistant joins late; older ones are left.
MAX_EARLIER_LINES = 50


@transaction.atomic
def _keep_earlier_lines(thread: Thread, lines: list[EarlierLine]) -> None:
    """The conversation before the assistant was asked, stored first in its new thread, so
    that `cl.chat_context` and the transcript have it."""
    if Message.objects.filter(thread=thread).exists():
        return  # another event of the conversation got here first
    for line in lines[-MAX_EARLIER_LINES:]:
        text = line.text[: settings.CHAT_MAX_MESSAGE_CHARS].strip()
        if not text:
            continue
        Message.objects.create(
            thread=thread,
            order=next_order(thread.pk),
            author_kind=Message.Author.ASSISTANT if line.by_bot else Message.Author.USER,
            author_name=line.author[:150],
            content=text,
            metadata={"earlier_in_platform": True},
        )


def _existing_thread(source: str, external_id: str) -> Thread | None:
    return Thread.objects.filter(source=source, external_id=external_id).first()


def _conversation_of_message(source: str, message_id: str) -> str | None:
    """The platform conversation whose thread holds a message (None: not one of ours)."""
    try:
        uuid.UUID(message_id)
    except ValueError:
        return None
    found = Message.objects.filter(
        pk=message_id, thread__source=source, thread__external_id__gt=""
    ).values_list("thread__external_id", flat=True)
    return found.first()


thread_for = sync_to_async(_thread_for)
existing_thread = sync_to_async(_existing_thread)
conversation_of_message = sync_to_async(_conversation_of_message)


# -- what the platforms' edges call ---------------------------------------------------------------
async def deliver_message(
    *,
    source: str,
    external_id: str,
    person: Any,
    text: str,
    client_id: str,
    make_sink: Callable[[], PlatformSink],
    event: dict[str, Any] | None = None,
    earlier: Callable[[], Awaitable[list[EarlierLine]]] | None = None,
    files: Callable[[], Awaitable[list[IncomingFile]]] | None = None,
    values: dict[str, Any] | None = None,
) -> HeadlessSession:
    """A person wrote in a platform conversation: store it and let the hooks answer.

    `earlier` reads what the conversation said before the assistant was asked; it is
    called once, when the conversation's thread is new. `files` downloads what the person
    sent with the message. `values` go into `cl.user_session` for the hooks, as the
    platform's own keys do in Chainlit (`slack_event`, say).

    The conversation's thread belongs to whoever spoke first in it; the platform decides
    who else sees the conversation, and each message keeps its own author.
    """
    new = earlier is not None and await existing_thread(source, external_id) is None
    thread = await thread_for(source, external_id, person)
    if new and earlier is not None:
        try:
            lines = await earlier()
        except Exception:
            # The answer matters more than the history: it comes without it.
            logger.warning("The earlier lines of %s could not be read", external_id, exc_info=True)
            lines = []
        if lines:
            await sync_to_async(_keep_earlier_lines)(thread, lines)
    session = await conversations().session(thread, await _owner(thread), make_sink)
    if new:
        await session.reload_context()
    session.sink.begin(event or {})
    session.user_session.update(values or {})
    text = text[: settings.CHAT_MAX_MESSAGE_CHARS].strip()
    try:
        file_ids = await _store_files(thread, person, files) if files is not None else ()
        if not text and not file_ids:
            await session.sink.notice(_("Write a question after the command or mention."))
            return session
        await session.receive_message(text, client_id, file_ids, author=person.shown_name)
    except UserFacingError as error:
        await session.sink.notice(str(error))
    return session


async def _store_files(
    thread: Thread, person: Any, files: Callable[[], Awaitable[list[IncomingFile]]]
) -> tuple[str, ...]:
    """The person's files, checked and stored as the web's uploads are (the same limits),
    for their message to take as `message.elements`."""
    incoming = await files()
    if not incoming:
        return ()
    as_uploads = [SimpleUploadedFile(f.name, f.content) for f in incoming]
    stored = await sync_to_async(uploads.store)(
        thread, person, as_uploads, uploads.Limits.from_settings()
    )
    return tuple(str(element.pk) for element in stored)


async def deliver_click(
    *,
    source: str,
    external_id: str,
    value: str,
    make_sink: Callable[[], PlatformSink],
    event: dict[str, Any] | None = None,
) -> HeadlessSession | None:
    """A button of ours was clicked in a platform conversation: run its callback (or
    answer the question it belongs to). The button must be under a message of that very
    conversation's thread."""
    try:
        kind, message_id, action_id = parse_button(value)
    except ValueError:
        return None
    asked_in = await conversation_of_message(source, message_id)
    if asked_in is not None and asked_in != external_id:
        # The buttons sit in a channel everyone sees, but act in the asker's conversation:
        # someone else's click is told so, not silently dropped.
        sink = make_sink()
        sink.begin(event or {})
        await sink.notice(_("Only the person who asked can use these buttons."))
        return None
    thread = await existing_thread(source, external_id)
    if thread is None:
        return None
    session = await conversations().session(thread, await _owner(thread), make_sink)
    session.sink.begin(event or {})
    try:
        if kind == RATE:
            await _rate(session, message_id, int(action_id))
        elif kind == ASK:
            await session.answer_with_action(message_id, action_id)
        else:
            await session.click_action(message_id, action_id)
    except UserFacingError as error:
        await session.sink.notice(str(error))
    return session


def _store_rating(user: Any, message_id: str, value: int) -> None:
    """The rating, stored as the web's thumbs store it; the app's @cl.on_feedback sees it."""
    try:
        message = feedback.rate(user, message_id, value)
    except feedback.NotFound:
        return  # not a message of this thread
    feedback_hook.after_rating(message.pk, user)


async def _rate(session: HeadlessSession, message_id: str, value: int) -> None:
    await sync_to_async(_store_rating)(session.user, message_id, value)
    if not await session.sink.rated(message_id, value):
        await session.sink.notice(_("Thank you for your feedback."))


async def open_conversation(
    source: str, external_id: str, make_sink: Callable[[], PlatformSink]
) -> HeadlessSession | None:
    """The live session of a platform conversation of ours (opened again if it idled
    out), or None when the conversation has no thread here."""
    thread = await existing_thread(source, external_id)
    if thread is None:
        return None
    return await conversations().session(thread, await _owner(thread), make_sink)


async def _owner(thread: Thread) -> Any:
    return await get_user_model().objects.aget(pk=thread.owner_id)

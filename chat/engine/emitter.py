"""What the public API calls: every change is written to the database, then pushed as HTML.

The database is the source of truth; the push only saves tabs a reload. One exception,
as in Chainlit: an assistant's new message is shown while its row is being written, and
its run ends only once the row is there (see Emitter.stored).

A step's writes do not hold up the assistant's code: they are queued, go to the database
together with the writes queued meanwhile, and each is shown once stored, before anything
pushed after it (chat.engine.ordered_writes).
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

from asgiref.sync import sync_to_async
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings
from django.db import IntegrityError, connection
from django.db.models import Exists, JSONField, OuterRef, QuerySet, prefetch_related_objects
from django.db.models.base import ModelState
from django.utils import timezone
from django.utils.translation import gettext as _

from chat.engine import shared_trips, thread_end
from chat.engine.groups import thread_group
from chat.engine.ordered_writes import OrderedWrites
from chat.engine.storable import storable_text
from chat.engine.streaming import MessageStream, StreamBuffer
from chat.models import Element, Message, Step, Thread
from chat.rendering import fragments, frames
from chat.threads import stars, switches
from chatproject.serving.connections import reconnecting

logger = logging.getLogger(__name__)


# For code that stores messages of its own inside its transaction (a platform conversation's
# earlier lines).
next_order = thread_end.next_order

# A new message's check, run in its trip before it is stored: raises to refuse it; returns
# whether its words are one of the thread owner's favorites when it read that (else None).
Check = Callable[[], bool | None]


@reconnecting
def _insert_message(message: Message, check: Check | None = None) -> bool:
    """Stores a new message at the thread's end; False if the page already sent it."""
    starred = check() if check is not None else None
    try:
        thread_end.append(message, durable=_durable(message))
        if starred is None:
            _mark_starred(message)
        elif message.author_kind == Message.Author.USER:
            message.starred = starred  # read by the check, in its statement
        return True
    except IntegrityError:
        # The page sent it again (after a reconnect): the first copy stands. Asking after
        # the unique constraint refused it costs nothing on the usual path.
        if (
            message.client_id
            and Message.objects.filter(
                thread_id=message.thread_id, client_id=message.client_id
            ).exists()
        ):
            return False
        raise


def _durable(message: Message) -> bool:
    """Whether the message's commit waits for the disk: always for a person's own words."""
    return (
        message.author_kind == Message.Author.USER
        or not settings.CHAT_ASSISTANT_WRITES_ASYNC_COMMIT
    )


@reconnecting
def _update_message(thread_id: UUID, message_id: str, fields: dict[str, Any]) -> Message | None:
    """Writes the fields and reads the message back as shown, in one trip; None if gone.

    Whether it has elements is read with it: their own statement only when it has (most
    answers have none: an answer's end is two statements, not three)."""
    if not Message.objects.filter(pk=message_id, thread_id=thread_id).update(**fields):
        return None
    rows = (
        Message.objects.with_feedback()
        .filter(pk=message_id)
        .annotate(has_elements=Exists(Element.objects.filter(message_id=OuterRef("pk"))))
    )
    message = rows.order_by().first()
    if message is not None:
        if message.has_elements:
            prefetch_related_objects([message], "elements")
        else:
            _prefetched_none(message)
        _mark_starred(message)
    return message


def _mark_starred(message: Message) -> None:
    """A person's own message is pushed with its star as their page draws it (pressed when
    its words are one of their favorites)."""
    if message.author_kind == Message.Author.USER:
        stars.mark_starred_for_owner(message.thread_id, [message])


# Steps this process created and has not seen end, by id (see _update_step); bounded.
KnownSteps = dict[str, Step]
KNOWN_STEPS_LIMIT = 256


@reconnecting
def _update_step(
    thread_id: UUID, step_id: str, fields: dict[str, Any], known: KnownSteps | None = None
) -> Step | None:
    """Writes the fields and returns the step as shown, in one trip; None if gone.

    A step this emitter created is not read back: the columns an update leaves alone
    (thread, parent, message, order, start) never change after its row is written, so its
    row as created with the new fields applied is the row as stored. Whether it has
    elements is still asked, as anyone may attach one (then it is read back whole)."""
    known_step = known.pop(str(step_id), None) if known is not None else None
    if not _write_step(thread_id, step_id, fields):
        return None
    if known_step is None or _has_elements(step_id):
        return Step.objects.filter(pk=step_id).prefetch_related("elements").order_by().first()
    step = _with_fields(known_step, fields)
    _prefetched_none(step)
    if step.ended_at is None and known is not None:
        known[str(step_id)] = step
    return step


def _write_step(thread_id: UUID, step_id: str, fields: dict[str, Any]) -> int:
    """Step.objects.filter(pk=step_id, thread_id=thread_id).update(**fields), the same
    statement written out (building it through the ORM cost more than running it); the
    ORM's own for a value or field it would turn into SQL of its own."""
    meta, q = Step._meta, connection.ops.quote_name
    assignments, params = [], []
    for name, value in fields.items():
        field = meta.get_field(name)
        if hasattr(field, "get_placeholder") or hasattr(value, "resolve_expression"):
            return Step.objects.filter(pk=step_id, thread_id=thread_id).update(**fields)
        value = field.get_db_prep_save(value, connection=connection)
        if hasattr(value, "as_sql"):
            return Step.objects.filter(pk=step_id, thread_id=thread_id).update(**fields)
        if value is None:
            assignments.append(f"{q(field.column)} = NULL")
        else:
            assignments.append(f"{q(field.column)} = %s")
            params.append(value)
    if not assignments:
        return Step.objects.filter(pk=step_id, thread_id=thread_id).update(**fields)
    thread = meta.get_field("thread")
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {q(meta.db_table)} SET {', '.join(assignments)}"  # noqa: S608
            f" WHERE {q(meta.pk.column)} = %s AND {q(thread.column)} = %s",
            [
                *params,
                meta.pk.get_db_prep_value(step_id, connection),
                thread.get_db_prep_value(thread_id, connection),
            ],
        )
        return cursor.rowcount


def _with_fields(step: Step, fields: dict[str, Any]) -> Step:
    """A copy of the step with the fields as reading them back would give them."""
    updated = Step.__new__(Step)
    updated.__dict__.update(step.__dict__)
    updated._state = ModelState()
    updated._state.db, updated._state.adding = step._state.db, False
    for name, value in fields.items():
        setattr(updated, Step._meta.get_field(name).attname, value)
    # As the database gives them back: a UUID given as text comes back a UUID, a tuple in
    # JSON a list.
    for field in Step._meta.concrete_fields:
        value = getattr(updated, field.attname)
        if value is None:
            continue
        if isinstance(field, JSONField):
            value = json.loads(json.dumps(value, cls=field.encoder))
        else:
            value = field.to_python(value)
        setattr(updated, field.attname, value)
    return updated


@functools.cache
def _no_elements() -> QuerySet[Element]:
    elements = Element.objects.none()
    elements._result_cache, elements._prefetch_done = [], True
    return elements


def _prefetched_none(step: Step | Message) -> None:
    """What prefetch_related("elements") leaves on a step (or message) without any (the
    same shape of thing, so that it draws from the same template shape): an empty,
    evaluated queryset.
    One for every step (asked for more, it still has none): building a step's own, through
    its related manager, cost more than the rest of the step's end on the database thread."""
    step._prefetched_objects_cache = {"elements": _no_elements()}


def _has_elements(step_id: Any) -> bool:
    """One statement, without the ORM's building of it."""
    column = Element._meta.get_field("step")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {connection.ops.quote_name(Element._meta.db_table)}"  # noqa: S608
            f" WHERE {connection.ops.quote_name(column.column)} = %s LIMIT 1",
            [column.get_db_prep_value(step_id, connection)],
        )
        return cursor.fetchone() is not None


@reconnecting
def _create_step(thread_id: UUID, fields: dict[str, Any], known: KnownSteps | None = None) -> Step:
    step = thread_end.append(
        Step(thread_id=thread_id, **fields),
        durable=not settings.CHAT_ASSISTANT_WRITES_ASYNC_COMMIT,
    )
    if known is not None and step.ended_at is None:
        if len(known) >= KNOWN_STEPS_LIMIT:
            known.clear()
        known[str(step.pk)] = step
    return step


_on_database_thread: dict[Callable[..., Any], Callable[..., Any]] = {}


def on_database_thread(function: Callable[..., Any]) -> Callable[..., Any]:
    """sync_to_async(function), made once per function (making one inspects it)."""
    wrapped = _on_database_thread.get(function)
    if wrapped is None:
        wrapped = _on_database_thread[function] = sync_to_async(function)
    return wrapped


class Emitter:
    """Persists and pushes for one thread; owns the thread's live streams in this process."""

    # A message's live text; a chat platform's emitter streams to its platform as well.
    stream_class: type[StreamBuffer] = MessageStream

    def __init__(self, thread_id: UUID) -> None:
        self.thread_id = thread_id
        self.group = thread_group(thread_id)
        self.layer = get_channel_layer()
        self.streams: dict[str, StreamBuffer] = {}
        self.writes = OrderedWrites(str(thread_id), shown=self._send_stored)
        # What the writes of the trip being shown show, sent together once all are drawn.
        self._stored_frames: list[str] = []
        # The socket this emitter's session answers (see deliver_to), if any.
        self._socket: tuple[str, Callable[[str], Awaitable[None]]] | None = None
        self.step_streams: dict[str, StreamBuffer] = {}
        # How the thread's steps show (its profile's `cot`): read once; the chat session
        # sets it when the thread's profile changes.
        self.cot: str | None = None
        # Touched only on the database thread, by this emitter's writes in order.
        self.known_steps: KnownSteps = {}

    async def thread_cot(self) -> str:
        if self.cot is None:
            rows = Thread.objects.filter(pk=self.thread_id).values_list("metadata", flat=True)
            self.cot = switches.cot(await rows.afirst())
        return self.cot

    async def push(self, html: str, *, shared: bool = False) -> None:
        """`shared`: a fragment that every session of the thread pushes (the run state),
        sent to every tab through the channel layer alone, so that each tab gets those of
        all sessions in the one order they were sent."""
        if self.writes.pending:
            # What was queued before this shows before it.
            await self.writes.settle()
        await self._send(html, shared=shared)

    def deliver_to(self, channel_name: str | None, send: Callable[[str], Awaitable[None]]) -> None:
        """Frames go to the socket whose session this is directly (`send`), not round
        through the channel layer and that socket's queue behind the frame it is handling;
        the thread's other tabs still get each one through the layer, the socket skipping
        its own copy (`sent_to`). None: the socket went away."""
        self._socket = (channel_name, send) if channel_name else None

    def _only_member(self, channel_name: str) -> bool:
        """Whether the socket is alone in its thread's group: known for the in-process
        layer (with Redis, another instance may hold a tab of the thread)."""
        if not isinstance(self.layer, InMemoryChannelLayer):
            return False
        members = self.layer.groups.get(self.group) or {}
        return len(members) <= 1 and (not members or channel_name in members)

    async def _send(self, html: str, *, shared: bool = False) -> None:
        if not frames.fits(html):
            # Every fragment that can grow is cut to size before it gets here (see
            # chat.rendering.frames); one that was not would close every tab's socket.
            logger.error(
                "A fragment of %d bytes is too large for a websocket frame: not pushed",
                frames.byte_size(html),
            )
            html = fragments.notice(
                _("Part of this conversation is too large to show live: reload the page.")
            )
        socket = self._socket
        if socket is None or shared:
            await self.layer.group_send(self.group, {"type": "chat.fragment", "html": html})
            return
        channel_name, send = socket
        try:
            await send(html)
        except Exception:
            # Closing: its page gets the thread from the database when it comes back.
            logger.debug("A frame for a closing socket was not sent", exc_info=True)
        if not self._only_member(channel_name):
            await self.layer.group_send(
                self.group, {"type": "chat.fragment", "html": html, "sent_to": channel_name}
            )

    async def push_frames(self, htmls: list[str]) -> None:
        for html in htmls:
            await self.push(html)

    def _show_stored(self, htmls: list[str]) -> None:
        """A stored write's frames: sent with those of the writes stored in the same trip
        (two nested steps started together are one frame), in order, before anything
        pushed later (a push waits for the writes to settle)."""
        self._stored_frames.extend(htmls)

    async def _send_stored(self) -> None:
        htmls, self._stored_frames = self._stored_frames, []
        for html in frames.joined(htmls):
            await self._send(html)

    async def create_message(
        self,
        *,
        check: Check | None = None,
        shown_while_stored: bool = False,
        shown_with: tuple[str, ...] = (),
        **fields: Any,
    ) -> Message | None:
        """Stores a new message and shows it; None if the client already sent it.

        `check` runs first, in the same trip to the database thread: it may refuse the
        message by raising, and may say whether its words are one of the thread owner's
        favorites (its star), read with its checks. With `shown_while_stored` (an
        assistant's message: nothing to check, nothing to refuse) the page gets it at once,
        as the row is being written; see `stored()`. (Behind writes still waiting for their
        trip, such as a quick step's, it goes in their trip and is shown once stored: its
        push waits for them anyway. A finished one is not even waited for then; see below.)

        `shown_with`: fragments that go in the message's frame, after it, once it is stored
        (one socket write instead of several)."""
        now = timezone.now()
        if isinstance(fields.get("content"), str):
            fields["content"] = storable_text(fields["content"])
        message = Message(thread_id=self.thread_id, created_at=now, updated_at=now, **fields)
        if shown_while_stored and check is None:
            appended = frames.message_appended(message, self.thread_id)
            if self.writes.waiting_for_a_trip:
                # Behind writes waiting for their trip (a quick step's start), which it
                # would wait for anyway: its row goes in their trip and it is shown once
                # stored, with them.
                finished = message.status == Message.Status.DONE
                if finished and message.author_kind != Message.Author.USER:
                    # A finished answer is not waited for: the code goes on, and a step
                    # it ends meanwhile is still waiting, written once as it ended (see
                    # _amend_waiting_start). It reaches the page at the code's next await,
                    # as any frame does; whatever reads or changes its row through this
                    # emitter settles the writes first.
                    async def shown(stored: bool) -> None:
                        if stored:
                            self._show_stored(appended)

                    self.writes.add(_insert_message, message, then=shown)
                    return message
                self.writes.add(_insert_message, message)
                await self.push_frames(appended)
                return message
            await self.push_frames(appended)
            # Every database call waits in one queue (Django's database thread), so what
            # is written about this message later lands after its row. Queued after the
            # push: the socket writes the message while the database thread starts.
            self.writes.add(_insert_message, message)
            await self.writes.in_line()  # the write takes its place in the queue now
            return message
        await self.writes.settle()
        if not await shared_trips.run(_insert_message, message, check):
            return None
        appended = frames.message_appended(message, self.thread_id)
        await self.push_frames(frames.joined([*appended, *shown_with]) if shown_with else appended)
        return message

    async def stored(self) -> None:
        """Waits until the messages shown while being stored are in the database; raises
        the error of one that could not be stored (steps' writes too). A run ends only
        after this."""
        await self.writes.settle(raise_errors=True)

    async def update_message(self, message_id: str, **fields: Any) -> Message | None:
        if isinstance(fields.get("content"), str):
            fields["content"] = storable_text(fields["content"])
        fields["updated_at"] = timezone.now()
        await self.writes.settle()
        message = await shared_trips.run(_update_message, self.thread_id, message_id, fields)
        if message is not None:
            await self.push_frames(frames.message_update(message, self.thread_id))
        return message

    async def remove_message(self, message_id: str) -> None:
        stream = self.streams.pop(message_id, None)
        if stream is not None:
            await stream.close()
        await self.writes.settle()
        await Message.objects.filter(pk=message_id, thread_id=self.thread_id).adelete()
        await self.push(fragments.message_removed(message_id))

    def stream(self, message_id: str) -> StreamBuffer:
        stream = self.streams.get(message_id)
        if stream is None:
            stream = self.streams[message_id] = self.stream_class(
                self, message_id, Message, "content", fragments.message_text_id(message_id)
            )
        return stream

    async def end_stream(self, message_id: str, status: str, content: str | None = None) -> None:
        """Stores the final text and status, and re-renders the message from markdown."""
        stream = self.streams.pop(message_id, None)
        if stream is not None:
            try:
                await stream.push_tail()
            finally:
                # Never left behind keeping the row alive (see StreamBuffer._keep_alive).
                await stream.close()
            if content is None:
                content = stream.text
        fields: dict[str, Any] = {"status": status}
        if content is not None:
            fields["content"] = content
        await self.update_message(message_id, **fields)

    async def end_all_streams(self, status: str) -> None:
        # Rows still being written land first; a failure was logged where it happened.
        await self.writes.settle()
        self.writes.forget_errors()
        for message_id in list(self.streams):
            await self.end_stream(message_id, status)

    async def resync(self) -> None:
        """Brings late tabs up to date with the streams only this process knows."""
        for stream in [*self.streams.values(), *self.step_streams.values()]:
            await stream.catch_up()

    # -- steps ---------------------------------------------------------------------------
    async def create_step(self, **fields: Any) -> None:
        """Queues the step's row; it is shown once stored (see ordered_writes)."""
        cot = await self.thread_cot()

        async def created(step: Step) -> None:
            self._show_stored(frames.step_appended(step, self.thread_id, cot))

        self.writes.add(_create_step, self.thread_id, fields, self.known_steps, then=created)

    async def update_step(self, step_id: str, **fields: Any) -> None:
        """Queues the step's new fields; shown once stored, as it reads back."""
        stream = self.step_streams.pop(step_id, None)
        if stream is not None:
            await stream.close()
            fields.setdefault("output", stream.text)
        cot = await self.thread_cot()
        if self._amend_waiting_start(step_id, fields):
            return

        async def updated(step: Step | None) -> None:
            if step is not None:
                self._show_stored(frames.step_updated(step, self.thread_id, cot))

        self.writes.add(
            _update_step, self.thread_id, step_id, fields, self.known_steps, then=updated
        )

    def _amend_waiting_start(self, step_id: str, fields: dict[str, Any]) -> bool:
        """A step whose start is still waiting for its trip is written once, as it is
        now: one row and one frame instead of an insert and an update, each pushed.
        Nothing showed it yet (anything pushed meanwhile would have sent its start first),
        and its row takes the start's place in the queue, so the order stays."""
        for _thread_id, start, _known in self.writes.waiting(_create_step):
            if str(start.get("id")) == str(step_id):
                start.update(fields)
                return True
        return False

    async def settle(self) -> None:
        """Waits until every write queued so far is stored and shown (a row that other
        rows point at, such as a step's elements)."""
        await self.writes.settle()

    async def remove_step(self, step_id: str) -> None:
        stream = self.step_streams.pop(step_id, None)
        if stream is not None:
            await stream.close()
        await self.writes.settle()
        await Step.objects.filter(pk=step_id, thread_id=self.thread_id).adelete()
        await self.push(fragments.step_removed(step_id))

    def step_stream(self, step_id: str) -> StreamBuffer:
        stream = self.step_streams.get(step_id)
        if stream is None:
            stream = self.step_streams[step_id] = StreamBuffer(
                self, step_id, Step, "output", fragments.step_output_id(step_id)
            )
        return stream

    async def attachments_changed(self, owner_id: str | None) -> None:
        """A message's (or step's) buttons or elements changed, already pushed as HTML.

        Nothing more for a browser; an emitter for a chat platform re-posts the message.
        """

    async def set_running(self, running: bool) -> None:
        # Every session of the thread says it, under one lock (see control.push_run_state).
        await self.push(fragments.run_state(running), shared=True)

    async def send_toast(self, message: str, type: str = "info") -> None:
        """A short note over the page that goes by itself, as Chainlit's toasts.

        Not stored: a toast is for whoever is looking now.
        """
        if type not in fragments.TOAST_TYPES:
            raise ValueError(
                f"Unknown toast type {type!r}: use one of {', '.join(fragments.TOAST_TYPES)}."
            )
        await self.push(fragments.toast(str(message), type))

    async def notice(self, text: str, level: str = "error") -> None:
        await self.push(fragments.notice(text, level=level))

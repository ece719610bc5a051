"""Elements (files, texts, charts, tables, task lists) attached to a message, a step or
the thread: stored first, then pushed, as the emitter does for messages and steps.

Their content is stored by element_files.py: a file is copied into Django's default
storage once, when the element is first sent; a `url` is only ever handed to the
browser, never fetched. Nothing a client sends names a path.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from asgiref.sync import sync_to_async
from django.db import transaction

from chat.engine.element_files import (
    TEXT_KINDS,
    ElementError,
    ElementSource,
    as_text,
    check_url,
    fill,
)
from chat.models import Element, Message, Step
from chat.rendering import elements as rendering
from chat.rendering import fragments
from chat.threads import elements as stored
from chat.threads import stars, switches

if TYPE_CHECKING:
    from chat.engine.emitter import Emitter

# The rows of a table kept with it (shown under its message without a file read).
PREVIEW_ROWS = rendering.INLINE_ROWS


# -- the API the SDK calls ---------------------------------------------------------------------
async def send(emitter: Emitter, source: ElementSource) -> None:
    """Stores the element (or updates it, if it was sent before) and shows it on every tab."""
    await emitter.settle()  # its message's or step's row first
    html = await sync_to_async(_store_and_render)(emitter.thread_id, source)
    if html:
        await emitter.push(html)
    await emitter.attachments_changed(source.for_id)


async def send_many(emitter: Emitter, sources: list[ElementSource]) -> None:
    """Stores several elements of one owner, then shows the owner once."""
    if not sources:
        return
    await emitter.settle()  # their message's or step's row first
    html = await sync_to_async(_store_many_and_render)(emitter.thread_id, sources)
    if html:
        await emitter.push(html)
    await emitter.attachments_changed(sources[0].for_id)


async def show_in_sidebar(
    emitter: Emitter, title: str | None, sources: list[ElementSource] | None
) -> None:
    """Opens the side panel on every tab with `title` and these elements (stored with the
    thread, under nothing), or closes it when there is neither."""
    html = await sync_to_async(_sidebar_html)(emitter.thread_id, title or "", sources or [])
    await emitter.push(html)


def _sidebar_html(thread_id: Any, title: str, sources: list[ElementSource]) -> str:
    shown = [_store(thread_id, source)[0] for source in sources]
    return rendering.sidebar(title, shown)


async def remove(emitter: Emitter, element_id: str) -> None:
    html = await sync_to_async(_delete_and_render)(emitter.thread_id, element_id)
    if html:
        await emitter.push(html)


# -- services for the edges ----------------------------------------------------------------------
def _uuid(value: Any, what: str) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise ElementError(f"{what} must be a UUID, not {value!r}.") from None


def _owner(thread_id: Any, for_id: str | None) -> tuple[Message | None, Step | None]:
    if not for_id:
        return None, None
    pk = _uuid(for_id, "for_id")
    message = Message.objects.filter(pk=pk, thread_id=thread_id).first()
    if message is not None:
        return message, None
    step = Step.objects.filter(pk=pk, thread_id=thread_id).first()
    if step is not None:
        return None, step
    raise ElementError(f"No message or step {for_id} in this thread to attach the element to.")


def _store(thread_id: Any, source: ElementSource) -> tuple[Element, Element | None]:
    """The stored element, and its earlier state if it was sent before.

    A file is only ever read for a new element; a re-send updates what is shown.
    """
    pk = _uuid(source.id, "An element id")
    message, step = _owner(thread_id, source.for_id)
    fields = {
        "message": message,
        "step": step,
        "kind": source.kind,
        "name": source.name[:255],
        "display": source.display,
        "url": check_url(source.url),
        "metadata": source.metadata,
    }
    with transaction.atomic():
        element = Element.objects.select_for_update().filter(pk=pk).first()
        if element is not None:
            if element.thread_id != thread_id:
                raise ElementError(f"The element {source.id} belongs to another thread.")
            before = Element(
                id=element.id, thread_id=thread_id, message_id=element.message_id,
                step_id=element.step_id, display=element.display,
            )  # fmt: skip
            for name, value in fields.items():
                setattr(element, name, value)
            if source.updatable and source.kind in TEXT_KINDS:
                element.content = as_text(source.content)
                element.size = len(element.content.encode("utf-8"))
            element.save()
            return element, before
    element = Element(id=pk, thread_id=thread_id, **fields)
    fill(element, source)
    try:
        element.save(force_insert=True)
    except Exception:
        if element.file:
            element.file.delete(save=False)
        raise
    return element, None


# -- showing ----------------------------------------------------------------------------------
def _owner_html(element: Element, *, created: bool) -> str:
    """What tabs need after this element changed: its owner re-rendered, or itself."""
    if element.message_id:
        message = Message.objects.prefetch_related("elements").filter(pk=element.message_id)
        message = message.first()
        if message is None:
            return ""
        if fragments.shown_status(message) == Message.Status.STREAMING:
            # Re-rendering the message would drop the tokens the database has not got yet.
            return rendering.container(rendering.message_elements(message), oob=True)
        return fragments.message(
            stars.mark_starred_for_owner(message.thread_id, [message])[0], oob=True
        )
    if element.step_id:
        step = (
            Step.objects.select_related("thread")
            .prefetch_related("elements")
            .filter(pk=element.step_id)
            .first()
        )
        cot = switches.cot(step.thread.metadata) if step is not None else None
        if step is None or not fragments.step_visible(step, cot):
            return ""
        html = rendering.container(rendering.step_elements(step), oob=True)
        if step.ended_at is not None:
            html += fragments.step_updated(step, cot)  # names in the output become links
        return html
    if created:
        # The whole list of the thread's task lists: a tab that just got it in its
        # snapshot gets it again, rather than twice.
        return stored.task_lists_html(element.thread_id)
    return rendering.element(element, oob=True)


def _changed_html(element: Element, before: Element | None) -> str:
    if before is None:
        return _owner_html(element, created=True)
    same_owner = (before.message_id, before.step_id) == (element.message_id, element.step_id)
    if same_owner and element.display == before.display == Element.Display.INLINE:
        # The same element again (a task list's progress): re-rendered in place.
        return rendering.element(element, oob=True)
    html = ""
    if not same_owner:
        html = _gone_html(before)
    return html + _owner_html(element, created=not same_owner)


def _gone_html(element: Element) -> str:
    """What tabs need after this element left its owner."""
    if element.message_id or element.step_id:
        return _owner_html(element, created=False)
    return rendering.removed(element.id)


def _store_and_render(thread_id: Any, source: ElementSource) -> str:
    return _changed_html(*_store(thread_id, source))


def _store_many_and_render(thread_id: Any, sources: list[ElementSource]) -> str:
    """One push for a message's elements: the owner once, rather than once per element."""
    html, owners = [], set()
    for element, before in [_store(thread_id, source) for source in sources]:
        owner = (element.message_id, element.step_id)
        if before is None and owner != (None, None):
            if owner not in owners:
                owners.add(owner)
                html.append(_owner_html(element, created=True))
        else:
            html.append(_changed_html(element, before))
    return "".join(html)


def _delete_and_render(thread_id: Any, element_id: str) -> str:
    pk = _uuid(element_id, "An element id")
    element = Element.objects.filter(pk=pk, thread_id=thread_id).first()
    if element is None:
        return rendering.removed(pk)
    element.delete()
    element.id = pk  # delete() clears it; the page still knows the element by it
    return _gone_html(element)

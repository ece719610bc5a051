"""The emitter writes a change, then shows the message as stored."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from chat.engine.emitter import Emitter
from chat.models import Element, Message, Step
from chat.rendering import frames
from tests.drivers import GroupListener
from tests.factories import make_message, make_thread


@pytest.mark.django_db(transaction=True)
async def test_an_update_is_stored_and_shown_rendered(user):
    thread = await sync_to_async(make_thread)(user)
    row = await sync_to_async(make_message)(
        thread, "", author_kind=Message.Author.ASSISTANT, status=Message.Status.STREAMING
    )
    tab = GroupListener(thread.id)
    await tab.start()
    try:
        shown = await Emitter(thread.id).update_message(
            str(row.pk), content="**done**", status=Message.Status.DONE
        )
        html = await tab.until(lambda frame: f'id="m-{row.pk}"' in frame)
    finally:
        await tab.stop()
    assert shown is not None
    assert shown.content == "**done**"
    assert "<strong>done</strong>" in html
    assert 'data-status="done"' in html
    assert (await Message.objects.aget(pk=row.pk)).status == Message.Status.DONE


@pytest.mark.django_db(transaction=True)
async def test_a_message_of_another_thread_is_neither_changed_nor_shown(user, other_user):
    mine = await sync_to_async(make_thread)(user)
    theirs = await sync_to_async(make_thread)(other_user)
    row = await sync_to_async(make_message)(theirs, "their words")
    tab = GroupListener(mine.id)
    await tab.start()
    try:
        shown = await Emitter(mine.id).update_message(str(row.pk), content="changed")
        await asyncio.sleep(0.2)
    finally:
        await tab.stop()
    assert shown is None
    assert tab.frames == []
    assert (await Message.objects.aget(pk=row.pk)).content == "their words"


@pytest.mark.django_db(transaction=True)
async def test_a_final_answer_too_large_for_a_frame_shows_its_status_and_loads_its_text(user):
    thread = await sync_to_async(make_thread)(user)
    row = await sync_to_async(make_message)(
        thread, "", author_kind=Message.Author.ASSISTANT, status=Message.Status.STREAMING
    )
    tab = GroupListener(thread.id)
    await tab.start()
    try:
        await Emitter(thread.id).update_message(
            str(row.pk), content="word " * 400_000, status=Message.Status.DONE
        )
        html = await tab.until(lambda frame: f'id="m-{row.pk}"' in frame)
    finally:
        await tab.stop()
    assert frames.fits(html)
    assert 'data-status="done"' in html
    assert f'hx-get="/threads/{thread.pk}/messages/{row.pk}/"' in html


@pytest.mark.django_db(transaction=True)
async def test_a_fragment_too_large_for_a_frame_is_not_pushed_and_the_tabs_are_told(user):
    thread = await sync_to_async(make_thread)(user)
    tab = GroupListener(thread.id)
    await tab.start()
    try:
        await Emitter(thread.id).push("<div>" + "x" * (2 * 1024 * 1024) + "</div>")
        html = await tab.until(lambda frame: "chat-notice" in frame)
    finally:
        await tab.stop()
    assert frames.fits(html)
    assert "too large to show live" in html


def _stored_step_as_shown(step_id, thread_id) -> str:
    step = Step.objects.prefetch_related("elements").get(pk=step_id)
    return "".join(frames.step_updated(step, thread_id))


async def _end_a_step(thread, *, attach_on_the_side: bool) -> tuple[str, str]:
    """Opens a step, (maybe) attaches an element to it the way another process would,
    ends it: what the page was sent, and the stored step drawn afresh."""
    emitter = Emitter(thread.id)
    step_id = str(uuid.uuid4())
    started = timezone.now()
    await emitter.create_step(
        id=step_id, name="lookup", type="tool", started_at=started, output="", input="q",
        metadata={"icon": "", "pair": ("a", 1)},
    )
    await emitter.settle()
    if attach_on_the_side:
        await Element.objects.acreate(
            thread_id=thread.id, step_id=step_id, kind="text", name="note", content="n"
        )
    tab = GroupListener(thread.id)
    await tab.start()
    try:
        await emitter.update_step(
            step_id, output="**found** note", is_error=False, ended_at=timezone.now(),
            metadata={"icon": "", "pair": ("a", 1), "default_open": True},
        )
        await emitter.settle()
        sent = await tab.until(lambda frame: f'id="s-{step_id}' in frame)
    finally:
        await tab.stop()
    return sent, await sync_to_async(_stored_step_as_shown)(step_id, thread.id)


@pytest.mark.django_db(transaction=True)
async def test_a_steps_end_is_shown_exactly_as_a_reload_draws_it(user):
    thread = await sync_to_async(make_thread)(user)
    sent, stored = await _end_a_step(thread, attach_on_the_side=False)
    assert sent == stored
    assert "<strong>found</strong>" in sent


@pytest.mark.django_db(transaction=True)
async def test_a_steps_end_shows_an_element_attached_to_it_elsewhere(user):
    thread = await sync_to_async(make_thread)(user)
    sent, stored = await _end_a_step(thread, attach_on_the_side=True)
    assert sent == stored
    assert "note" in sent


def _stored_step_appended(step_id, thread_id, cot) -> str:
    step = Step.objects.prefetch_related("elements").get(pk=step_id)
    return "".join(frames.step_appended(step, thread_id, cot))


@pytest.mark.django_db(transaction=True)
async def test_a_step_ended_before_its_start_was_stored_is_shown_once_as_a_reload_draws_it(user):
    thread = await sync_to_async(make_thread)(user)
    emitter = Emitter(thread.id)
    cot = await emitter.thread_cot()
    tab = GroupListener(thread.id)
    await tab.start()
    step_id = str(uuid.uuid4())
    try:
        await emitter.create_step(
            id=step_id, name="lookup", type="tool", started_at=timezone.now(), output="",
            input="q", metadata={"icon": "", "default_open": True},
        )
        # Ends at once, as a quick tool does: its start has not gone to the database yet.
        await emitter.update_step(
            step_id, output="**found**", is_error=False, ended_at=timezone.now(),
            metadata={"icon": "", "default_open": True},
        )
        await emitter.settle()
        await tab.until(lambda frame: f'id="s-{step_id}' in frame)
        await asyncio.sleep(0.05)  # anything else pushed would be here by now
    finally:
        await tab.stop()
    shown = [frame for frame in tab.frames if f'id="s-{step_id}' in frame]
    stored = await Step.objects.aget(pk=step_id)
    assert stored.ended_at is not None
    assert stored.output == "**found**"
    assert shown == [await sync_to_async(_stored_step_appended)(step_id, thread.id, cot)]
    assert 'data-state="done"' in shown[0]
    assert "<strong>found</strong>" in shown[0]


def _stored_message_as_shown(message_id, thread_id) -> str:
    message = Message.objects.with_feedback().prefetch_related("elements").get(pk=message_id)
    return "".join(frames.message_update(message, thread_id))


async def _end_an_answer(thread, *, attach_on_the_side: bool) -> tuple[str, str]:
    """Ends a streamed answer (perhaps with an element attached to it by another process
    meanwhile): what the page was sent, and the stored message drawn afresh."""
    row = await sync_to_async(make_message)(
        thread, "", author_kind=Message.Author.ASSISTANT, status=Message.Status.STREAMING
    )
    if attach_on_the_side:
        await Element.objects.acreate(
            thread_id=thread.id, message_id=row.pk, kind="text", name="note", content="n"
        )
    tab = GroupListener(thread.id)
    await tab.start()
    try:
        await Emitter(thread.id).update_message(
            str(row.pk), content="**all** of it", status=Message.Status.DONE
        )
        sent = await tab.until(lambda frame: f'id="m-{row.pk}"' in frame)
    finally:
        await tab.stop()
    return sent, await sync_to_async(_stored_message_as_shown)(row.pk, thread.id)


@pytest.mark.django_db(transaction=True)
async def test_an_answers_end_is_shown_exactly_as_a_reload_draws_it(user):
    thread = await sync_to_async(make_thread)(user)
    sent, stored = await _end_an_answer(thread, attach_on_the_side=False)
    assert sent == stored
    assert "<strong>all</strong>" in sent


@pytest.mark.django_db(transaction=True)
async def test_an_answers_end_shows_an_element_attached_to_it_elsewhere(user):
    thread = await sync_to_async(make_thread)(user)
    sent, stored = await _end_an_answer(thread, attach_on_the_side=True)
    assert sent == stored
    assert "note" in sent

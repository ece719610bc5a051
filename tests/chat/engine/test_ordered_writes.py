"""A run's writes go to the database in order, several to a trip, and what each shows
reaches the page only once it is stored, in the order things happened."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from asgiref.sync import SyncToAsync, sync_to_async
from django.utils.timezone import now

from chat.engine import emitter as emitter_module
from chat.engine import thread_end
from chat.engine.ordered_writes import OrderedWrites
from chat.models import Message, Step

pytestmark = pytest.mark.django_db(transaction=True)

BENCH_APP = str(Path(__file__).resolve().parents[3] / "bench" / "app.py")


@pytest.fixture
async def bench_chat(use_assistant, open_chat, thread, user):
    use_assistant(BENCH_APP)
    chat = await open_chat(thread, user)
    await chat.send("echo warm")
    return chat


async def test_each_step_reaches_the_page_only_once_its_row_is_stored(bench_chat, monkeypatch):
    events: list[str] = []
    create, update = emitter_module._create_step, emitter_module._update_step

    def recorded_create(thread_id, fields, known=None):
        step = create(thread_id, fields, known)
        events.append(f"stored s-{step.pk}")
        if step.ended_at is not None:
            # Ended before its start went to the database: written once, as it ended.
            events.append(f"ended s-{step.pk}")
        return step

    def recorded_update(thread_id, step_id, fields, known=None):
        step = update(thread_id, step_id, fields, known)
        events.append(f"ended s-{step_id}")
        return step

    monkeypatch.setattr(emitter_module, "_create_step", recorded_create)
    monkeypatch.setattr(emitter_module, "_update_step", recorded_update)
    bench_chat.tab.on_frame = lambda frame: events.extend(
        f"shown {i}" for i in re.findall(r'id="(s-[0-9a-f-]{36})(?:-summary)?"', frame)
    )
    await bench_chat.send("steps")

    steps = [s async for s in Step.objects.filter(thread_id=bench_chat.thread.pk)]
    assert len(steps) == 2
    for step in steps:
        first_shown = events.index(f"shown s-{step.pk}")
        assert events.index(f"stored s-{step.pk}") < first_shown
        # Its end is shown after it is stored, and never before the step itself.
        ended = events.index(f"ended s-{step.pk}")
        assert [e for e in events[ended:] if e == f"shown s-{step.pk}"]


async def test_the_page_gets_a_runs_frames_in_the_order_things_happened(bench_chat):
    start = len(bench_chat.tab.frames)
    await bench_chat.send("steps")
    steps = {s.name: s async for s in Step.objects.filter(thread_id=bench_chat.thread.pk)}
    outer, inner = steps["outer_step"], steps["inner_step"]
    answer = (await bench_chat.messages())[-1]
    assert answer.content == "steps done: NESTED"
    frames = bench_chat.tab.frames[start:]

    def first(needle: str) -> int:
        return next(i for i, f in enumerate(frames) if needle in f)

    order = [
        first(f'<details id="s-{outer.id}"'),
        first(f'<details id="s-{inner.id}"'),
        first(f'id="s-{inner.id}-summary" class="step__summary" data-state="done"'),
        first(f'<article id="m-{answer.id}"'),
        first(f'id="s-{outer.id}-summary" class="step__summary" data-state="done"'),
        first('data-running="false"'),
    ]
    assert order == sorted(order)
    assert f"beforeend:#s-{outer.id}-children" in frames[order[1]]


async def test_a_step_that_cannot_be_stored_fails_the_run_and_is_never_shown(
    bench_chat, monkeypatch
):
    create = emitter_module._create_step

    def refused_inner(thread_id, fields, known=None):
        if fields["name"] == "inner_step":
            raise RuntimeError("disk full")
        return create(thread_id, fields, known)

    monkeypatch.setattr(emitter_module, "_create_step", refused_inner)
    start = len(bench_chat.tab.frames)
    await bench_chat.send("steps")

    said = [m async for m in Message.objects.filter(thread_id=bench_chat.thread.pk)]
    assert said[-1].is_error
    assert "disk full" in said[-1].content
    steps = [s async for s in Step.objects.filter(thread_id=bench_chat.thread.pk)]
    assert [s.name for s in steps] == ["outer_step"]
    assert steps[0].ended_at is not None
    assert not [f for f in bench_chat.tab.frames[start:] if "inner_step" in f]


async def test_writes_queued_together_go_in_one_trip_each_on_its_own(monkeypatch):
    trips = []
    call = SyncToAsync.__call__

    def counting_call(self, *args, **kwargs):
        trips.append(self)
        return call(self, *args, **kwargs)

    monkeypatch.setattr(SyncToAsync, "__call__", counting_call)
    shown: list[str] = []

    async def show(result):
        shown.append(result)

    def fails():
        raise ValueError("refused")

    writes = OrderedWrites("test")
    writes.add(lambda: "first", then=show)
    writes.add(fails, then=show)
    writes.add(lambda: "third", then=show)
    assert writes.pending
    with pytest.raises(ValueError, match="refused"):
        await writes.settle(raise_errors=True)
    assert len(trips) == 1
    assert shown == ["first", "third"]
    await writes.settle(raise_errors=True)  # said once
    assert not writes.pending


async def test_steps_stored_in_one_trip_reach_the_page_in_one_frame_in_order(bench_chat):
    start = len(bench_chat.tab.frames)
    await bench_chat.send("steps")
    steps = {s.name: s async for s in Step.objects.filter(thread_id=bench_chat.thread.pk)}
    outer, inner = steps["outer_step"], steps["inner_step"]
    frames = bench_chat.tab.frames[start:]
    started = [f for f in frames if f'<details id="s-{outer.id}"' in f]
    assert len(started) == 1
    assert [f for f in frames if f'<details id="s-{inner.id}"' in f] == started
    together = started[0]
    assert together.index(f'<details id="s-{outer.id}"') < together.index(
        f"beforeend:#s-{outer.id}-children"
    )


async def test_an_answer_sent_after_a_quick_step_is_shown_once_stored(bench_chat, monkeypatch):
    # Its push waits for the step's start to be stored anyway: its row goes with it.
    events: list[str] = []
    insert = emitter_module._insert_message

    def recorded_insert(message, check=None):
        stored = insert(message, check)
        events.append(f"stored m-{message.pk}")
        return stored

    monkeypatch.setattr(emitter_module, "_insert_message", recorded_insert)
    bench_chat.tab.on_frame = lambda frame: events.extend(
        f"shown {i}" for i in re.findall(r'<article id="(m-[0-9a-f-]{36})"', frame)
    )
    await bench_chat.send("steps")
    answer = (await bench_chat.messages())[-1]
    assert answer.content == "steps done: NESTED"
    assert events.index(f"stored m-{answer.id}") < events.index(f"shown m-{answer.id}")


async def test_what_is_sent_to_the_database_once_a_write_is_in_line_lands_after_it(thread):
    # A message shown while it is stored: a call made right after (an action added to it)
    # finds its row, whoever else's writes share its trip.
    writes = OrderedWrites("test")
    message = Message(thread_id=thread.pk, author_kind=Message.Author.ASSISTANT, content="hi")
    writes.add(thread_end.append, message)
    await writes.in_line()
    assert await sync_to_async(Message.objects.filter(pk=message.pk).exists)()
    await writes.settle(raise_errors=True)


async def test_the_other_writes_of_a_trip_are_stored_in_order_when_one_fails(thread):
    def step(name: str) -> dict:
        return {"id": str(uuid.uuid4()), "name": name, "type": "tool", "started_at": now()}

    def fails_after_a_row(fields):
        emitter_module._create_step(thread.pk, fields)
        raise RuntimeError("refused")

    shown: list[str] = []

    async def show(stored):
        shown.append(stored.name)

    writes = OrderedWrites("test")
    writes.add(emitter_module._create_step, thread.pk, step("first"), then=show)
    writes.add(fails_after_a_row, step("broken"), then=show)
    writes.add(emitter_module._create_step, thread.pk, step("third"), then=show)
    with pytest.raises(RuntimeError, match="refused"):
        await writes.settle(raise_errors=True)
    assert shown == ["first", "third"]
    stored = [s.name async for s in Step.objects.filter(thread_id=thread.pk).order_by("order")]
    assert [name for name in stored if name != "broken"] == ["first", "third"]

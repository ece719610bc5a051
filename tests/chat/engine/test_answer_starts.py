"""Answers start first: the first words of every answer come before the rest of any."""

from __future__ import annotations

import asyncio
import re

import pytest

from chat.engine import answer_starts
from chat.models import Message
from tests.drivers import shows_streamed, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


async def test_work_that_gives_way_waits_for_every_message_received_before_it():
    first, second = answer_starts.starting(), answer_starts.starting()
    await first.__aenter__()
    await second.__aenter__()
    waiting = asyncio.create_task(answer_starts.give_way())
    await asyncio.sleep(0.01)
    assert not waiting.done()

    await first.__aexit__(None, None, None)
    await asyncio.sleep(0.01)
    assert not waiting.done()

    await second.__aexit__(None, None, None)
    await asyncio.wait_for(waiting, 1)


async def test_a_message_received_after_the_wait_began_is_not_waited_for():
    async with answer_starts.starting():
        waiting = asyncio.create_task(answer_starts.give_way())
        await asyncio.sleep(0.01)
        later = answer_starts.starting()
        await later.__aenter__()
    # The message received before the wait has started; the later one still has not.
    await asyncio.wait_for(waiting, 1)
    assert answer_starts.pending() == 1
    await later.__aexit__(None, None, None)
    assert answer_starts.pending() == 0


async def test_a_start_that_never_ends_holds_no_answer_back_for_good(monkeypatch):
    # A session stuck before its hook (waiting on something that never comes) must not
    # keep every later answer of the process waiting.
    monkeypatch.setattr(answer_starts, "STUCK_SECONDS", 0.2)
    stuck = answer_starts.starting()
    await stuck.__aenter__()
    await asyncio.wait_for(answer_starts.give_way(), 5)
    # Once given up on, it holds back no later wait either.
    assert answer_starts.pending() == 0
    await asyncio.wait_for(answer_starts.give_way(), 0.5)
    await stuck.__aexit__(None, None, None)


async def test_messages_waiting_in_line_for_their_turn_are_not_given_up_on(monkeypatch):
    # A thousand messages at once: the last ones wait in line longer than a start may take,
    # and the answers that gave way still wait for each of them (they are not stuck).
    monkeypatch.setattr(answer_starts, "STUCK_SECONDS", 0.2)
    monkeypatch.setattr(answer_starts, "STARTS_AT_ONCE", 1)
    ended: list[int] = []

    async def receive(number: int) -> None:
        async with answer_starts.starting():
            await asyncio.sleep(0.12)
            ended.append(number)

    line = [asyncio.create_task(receive(n)) for n in range(4)]
    await asyncio.sleep(0)
    await asyncio.wait_for(answer_starts.give_way(), 5)
    assert ended == [0, 1, 2, 3]
    await asyncio.gather(*line)


async def test_a_stuck_start_is_given_up_on_and_the_line_behind_it_still_waited_for(
    monkeypatch,
):
    # One start holds the only turn and never ends: answers stop waiting for it, but the
    # messages in line behind it have not started yet and are still waited for.
    monkeypatch.setattr(answer_starts, "STUCK_SECONDS", 0.5)
    monkeypatch.setattr(answer_starts, "STARTS_AT_ONCE", 1)
    stuck = answer_starts.starting()
    await stuck.__aenter__()
    line = [answer_starts.starting() for _ in range(3)]
    turns = [asyncio.create_task(start.__aenter__()) for start in line]
    await asyncio.sleep(0.6)
    waiting = asyncio.create_task(answer_starts.give_way())
    await asyncio.sleep(0.05)
    assert answer_starts.pending() == 3
    assert not waiting.done()
    await stuck.__aexit__(None, None, None)
    for start, turn in zip(line, turns, strict=True):
        await asyncio.wait_for(turn, 1)
        assert not waiting.done()
        await start.__aexit__(None, None, None)
    await asyncio.wait_for(waiting, 1)


async def test_a_wait_ends_when_the_line_stops_moving(monkeypatch):
    # Every turn held by a start that never ends: nobody's turn comes, no answer waits
    # for good.
    monkeypatch.setattr(answer_starts, "STUCK_SECONDS", 0.2)
    monkeypatch.setattr(answer_starts, "STARTS_AT_ONCE", 1)
    stuck = answer_starts.starting()
    await stuck.__aenter__()
    in_line = asyncio.create_task(answer_starts.starting().__aenter__())
    await asyncio.sleep(0)
    await asyncio.wait_for(answer_starts.give_way(), 2)
    await stuck.__aexit__(None, None, None)
    await asyncio.wait_for(in_line, 1)


async def test_nothing_waits_when_no_message_is_starting():
    await asyncio.wait_for(answer_starts.give_way(), 0.5)


async def test_a_few_messages_start_at_once_and_the_others_in_the_order_they_came():
    at_once, most, order = 0, 0, []

    async def receive(number: int) -> None:
        nonlocal at_once, most
        async with answer_starts.starting():
            at_once += 1
            most = max(most, at_once)
            order.append(number)
            await asyncio.sleep(0.005)
            at_once -= 1

    count = answer_starts.STARTS_AT_ONCE * 3
    await asyncio.gather(*(receive(n) for n in range(count)))
    assert most == answer_starts.STARTS_AT_ONCE
    assert order == list(range(count))
    assert answer_starts.pending() == 0


async def test_a_failed_receive_ends_its_start():
    with pytest.raises(RuntimeError):
        async with answer_starts.starting():
            raise RuntimeError("refused")
    assert answer_starts.pending() == 0
    await asyncio.wait_for(answer_starts.give_way(), 0.5)


async def test_a_stream_shows_its_first_words_then_waits_for_a_message_received_before(
    use_assistant, open_chat, thread, user
):
    use_assistant("features")
    chat = await open_chat(thread, user)
    gate = chat.session.user_session["gate"] = asyncio.Event()
    gate.set()
    # Another tab's message, received first and still starting.
    earlier = answer_starts.starting()
    await earlier.__aenter__()

    await chat.send("quick 50", wait=False)
    appended = await chat.tab.until(
        lambda f: "beforeend:#messages" in f and 'data-status="streaming"' in f
    )
    message_id = re.search(r'id="m-([0-9a-f-]+)"', appended).group(1)
    await chat.tab.until(lambda f: shows_streamed(f, "q0 ", message_id))
    await asyncio.sleep(0.1)
    # The first words are on the page; the rest waits for the earlier message's start.
    assert "q49" not in "".join(chat.tab.frames)
    assert (await Message.objects.aget(pk=message_id)).status == Message.Status.STREAMING

    await earlier.__aexit__(None, None, None)
    await chat.idle()
    row = await Message.objects.aget(pk=message_id)
    assert (row.content, row.status) == ("".join(f"q{i} " for i in range(50)), "done")


async def test_a_message_sent_while_its_own_answer_runs_gives_its_turn_back(
    use_assistant, open_chat, thread, user
):
    use_assistant("features")
    chat = await open_chat(thread, user)
    gate = chat.session.user_session["gate"] = asyncio.Event()
    await chat.send("quick 5", wait=False)
    await wait_for(lambda: chat.session.current_run is not None, what="the first answer")
    # The second answer waits for the first (held at its gate): its start is over, so
    # nobody else's answer waits for it meanwhile.
    await chat.send("echo second", wait=False)
    await wait_for(lambda: answer_starts.pending() == 0, what="no start held")
    gate.set()
    await chat.idle()
    assert [m.content for m in await chat.messages()][-1] == "ok: echo second"

"""The embedded default's channel layer: every tab of a thread gets every frame."""

from __future__ import annotations

import asyncio
import time

import pytest
from channels.exceptions import ChannelFull

from chatproject.serving import channel_layers
from chatproject.serving.channel_layers import SweepingInMemoryChannelLayer


async def test_a_group_send_reaches_every_member_with_its_own_copy():
    layer = SweepingInMemoryChannelLayer()
    tabs = [await layer.new_channel() for _ in range(3)]
    for tab in tabs:
        await layer.group_add("thread-1", tab)
    await layer.group_add("thread-2", await layer.new_channel())

    await layer.group_send("thread-1", {"type": "chat.fragment", "html": "<p>hi</p>"})
    received = [await layer.receive(tab) for tab in tabs]
    assert received == [{"type": "chat.fragment", "html": "<p>hi</p>"}] * 3
    received[0]["html"] = "changed"
    assert received[1]["html"] == "<p>hi</p>"


async def test_nested_messages_are_still_copied_deeply():
    layer = SweepingInMemoryChannelLayer()
    tab = await layer.new_channel()
    message = {"type": "run.sync", "ids": ["a"]}
    await layer.send(tab, message)
    message["ids"].append("b")
    assert (await layer.receive(tab))["ids"] == ["a"]


async def test_a_full_tab_misses_frames_without_holding_up_the_others():
    layer = SweepingInMemoryChannelLayer(capacity=2)
    slow, fast = await layer.new_channel(), await layer.new_channel()
    for tab in (slow, fast):
        await layer.group_add("thread-1", tab)
    for n in range(3):
        await layer.group_send("thread-1", {"type": "chat.fragment", "html": str(n)})
        if n < 2:
            assert (await layer.receive(fast))["html"] == str(n)
    assert (await layer.receive(fast))["html"] == "2"
    with pytest.raises(ChannelFull):
        await layer.send(slow, {"type": "chat.fragment", "html": "more"})


async def test_expired_frames_are_still_swept(monkeypatch):
    layer = SweepingInMemoryChannelLayer(expiry=1)
    gone, live = await layer.new_channel(), await layer.new_channel()
    await layer.group_add("thread-1", gone)
    await layer.group_add("thread-1", live)
    await layer.send(gone, {"type": "chat.fragment", "html": "old"})
    # A minute later (the sweep runs at most once a second): the unread tab is dropped.
    later = time.time() + 60
    monkeypatch.setattr(time, "time", lambda: later)
    monkeypatch.setattr(channel_layers, "SWEEP_EVERY_SECONDS", 0.0)
    await layer.group_send("thread-1", {"type": "chat.fragment", "html": "new"})
    assert gone not in layer.groups["thread-1"]
    assert (await layer.receive(live))["html"] == "new"


async def test_a_waiting_tab_gets_frames_in_the_order_they_were_sent():
    layer = SweepingInMemoryChannelLayer()
    tab = await layer.new_channel()
    await layer.group_add("thread-1", tab)
    waiting = asyncio.create_task(layer.receive(tab))
    await asyncio.sleep(0)
    for n in range(3):
        await layer.group_send("thread-1", {"type": "chat.fragment", "html": str(n)})
    assert (await waiting)["html"] == "0"
    assert [(await layer.receive(tab))["html"] for _ in range(2)] == ["1", "2"]
    assert tab not in layer.channels


async def test_a_closed_tab_leaves_nothing_behind_and_a_new_receive_still_works():
    layer = SweepingInMemoryChannelLayer()
    tab = await layer.new_channel()
    waiting = asyncio.create_task(layer.receive(tab))
    await asyncio.sleep(0)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert tab not in layer.channels

    await layer.send(tab, {"type": "chat.fragment", "html": "later"})
    assert (await layer.receive(tab))["html"] == "later"


async def test_two_receivers_on_one_channel_each_get_a_different_message():
    layer = SweepingInMemoryChannelLayer()
    tab = await layer.new_channel()
    first = asyncio.create_task(layer.receive(tab))
    second = asyncio.create_task(layer.receive(tab))
    await asyncio.sleep(0)
    await layer.send(tab, {"type": "chat.fragment", "html": "a"})
    await layer.send(tab, {"type": "chat.fragment", "html": "b"})
    got = sorted([(await first)["html"], (await second)["html"]])
    assert got == ["a", "b"]


async def test_a_receiver_cancelled_as_it_was_woken_passes_the_message_on():
    layer = SweepingInMemoryChannelLayer()
    tab = await layer.new_channel()
    first = asyncio.create_task(layer.receive(tab))
    second = asyncio.create_task(layer.receive(tab))
    await asyncio.sleep(0)
    await layer.send(tab, {"type": "chat.fragment", "html": "only"})
    first.cancel()
    assert (await second)["html"] == "only"

"""The embedded default's channel layer: every tab of a thread gets every frame."""

from __future__ import annotations

import time

import pytest
from channels.exceptions import ChannelFull

from chat import channel_layers
from chat.channel_layers import SweepingInMemoryChannelLayer


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

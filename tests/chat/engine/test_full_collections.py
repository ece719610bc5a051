"""Full garbage collections wait while answers are starting, and only then."""

from __future__ import annotations

import asyncio
import gc

import pytest

from chat.engine import answer_starts, full_collections


@pytest.fixture(autouse=True)
def thresholds():
    before = gc.get_threshold()
    yield
    gc.set_threshold(*before)


async def test_full_collections_wait_while_messages_wait_for_their_answers_to_start():
    default = gc.get_threshold()
    assert not full_collections.held()
    first, second = answer_starts.starting(), answer_starts.starting()
    await first.__aenter__()
    await second.__aenter__()
    assert full_collections.held()
    # The younger generations go on as before.
    assert gc.get_threshold()[:2] == default[:2]

    await first.__aexit__(None, None, None)
    assert full_collections.held()
    await second.__aexit__(None, None, None)
    assert not full_collections.held()
    assert gc.get_threshold() == default


async def test_a_start_given_up_on_as_stuck_holds_full_collections_back_no_longer(monkeypatch):
    monkeypatch.setattr(answer_starts, "STUCK_SECONDS", 0.2)
    stuck = answer_starts.starting()
    await stuck.__aenter__()
    assert full_collections.held()
    await asyncio.wait_for(answer_starts.give_way(), 5)
    assert not full_collections.held()
    await stuck.__aexit__(None, None, None)
    assert not full_collections.held()


async def test_a_line_that_never_empties_still_gets_its_full_collections(monkeypatch):
    monkeypatch.setattr(full_collections, "HELD_SECONDS", 0.0)
    made: list[int] = []

    def seen(phase: str, info: dict) -> None:
        if phase == "stop" and info["generation"] == 2:
            made.append(1)

    gc.callbacks.append(seen)
    try:
        first = answer_starts.starting()
        await first.__aenter__()
        assert not made
        later = answer_starts.starting()
        await later.__aenter__()  # held for HELD_SECONDS already: one is made now
        assert made
        assert full_collections.held()
    finally:
        gc.callbacks.remove(seen)
    await first.__aexit__(None, None, None)
    await later.__aexit__(None, None, None)
    assert not full_collections.held()


def test_a_loop_that_goes_away_with_messages_in_line_lets_full_collections_go():
    async def leave_one_starting() -> None:
        await answer_starts.starting().__aenter__()
        assert full_collections.held()

    loop = asyncio.new_event_loop()
    loop.run_until_complete(leave_one_starting())
    loop.close()
    del loop
    gc.collect()
    assert not full_collections.held()

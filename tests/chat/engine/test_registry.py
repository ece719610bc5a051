"""Calling the assistant's hooks: one way for every hook, sync or async, from async or sync
code (chat sessions, app hooks, sign-in)."""

from __future__ import annotations

import threading

import pytest

from chat.engine.registry import call_hook, call_hook_sync


def hook_of_one(first):
    return [first]


async def async_hook_of_two(first, second):
    return [first, second]


def hook_of_any(*given):
    return list(given)


@pytest.mark.parametrize(
    ("hook", "expected"),
    [(hook_of_one, [1]), (async_hook_of_two, [1, 2]), (hook_of_any, [1, 2, 3])],
)
async def test_a_hook_gets_as_many_arguments_as_it_declares(hook, expected):
    # Chainlit added arguments to hooks over time; older hooks declare fewer.
    assert await call_hook(hook, 1, 2, 3) == expected


@pytest.mark.parametrize(
    ("hook", "expected"),
    [(hook_of_one, [1]), (async_hook_of_two, [1, 2]), (hook_of_any, [1, 2, 3])],
)
def test_sync_code_gets_a_hooks_answer_whether_the_hook_is_sync_or_async(hook, expected):
    assert call_hook_sync(hook, 1, 2, 3) == expected


def test_a_sync_hook_asked_from_sync_code_runs_in_that_thread():
    # So a sign-in hook may use the ORM, as it could before.
    assert call_hook_sync(lambda: threading.get_ident()) == threading.get_ident()

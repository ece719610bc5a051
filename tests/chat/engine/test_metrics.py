"""What /metrics shows as a chat runs: runs by outcome, tokens streamed, time to first
token, open sockets. Read from the process's registry, as the scraper reads it."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from chat.engine import control
from chat.engine.shutdown import drain
from tests.drivers import shows_streamed

pytestmark = pytest.mark.django_db(transaction=True)


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


class Reading:
    """The change of a few series between now and later."""

    SERIES = (
        ("chat_runs_total", {"hook": "on_message", "outcome": "done"}),
        ("chat_runs_total", {"hook": "on_message", "outcome": "failed"}),
        ("chat_runs_total", {"hook": "on_message", "outcome": "stopped"}),
        ("chat_tokens_streamed_total", {}),
        ("chat_first_token_seconds_count", {"hook": "on_message"}),
        ("chat_run_duration_seconds_count", {"hook": "on_message"}),
    )

    def __init__(self) -> None:
        self.before = {self.key(n, lbl): value(n, **lbl) for n, lbl in self.SERIES}

    @staticmethod
    def key(name: str, labels: dict) -> str:
        return name + "".join(f",{k}={v}" for k, v in sorted(labels.items()))

    def moved(self) -> dict[str, float]:
        return {
            key: after - self.before[key]
            for key, after in ((self.key(n, lbl), value(n, **lbl)) for n, lbl in self.SERIES)
            if after != self.before[key]
        }


@pytest.fixture
async def echo(use_assistant, open_chat, thread, user):
    use_assistant("echo")
    return await open_chat(thread, user)


@pytest.fixture
async def features(use_assistant, open_chat, thread, user):
    use_assistant("features")
    return await open_chat(thread, user)


async def test_a_streamed_answer_counts_a_run_its_tokens_and_its_first_token(echo):
    reading = Reading()
    await echo.send("burst 50")
    assert reading.moved() == {
        "chat_runs_total,hook=on_message,outcome=done": 1,
        "chat_tokens_streamed_total": 50,
        "chat_first_token_seconds_count,hook=on_message": 1,
        "chat_run_duration_seconds_count,hook=on_message": 1,
    }
    assert value("chat_runs_active", hook="on_message") == 0


async def test_a_failing_hook_counts_as_failed(features):
    reading = Reading()
    await features.send("fail")
    assert reading.moved() == {
        "chat_runs_total,hook=on_message,outcome=failed": 1,
        "chat_run_duration_seconds_count,hook=on_message": 1,
    }


async def test_a_stopped_run_counts_as_stopped_and_is_active_while_it_runs(features):
    reading = Reading()
    await features.send("hang", wait=False)
    await features.tab.until(lambda f: shows_streamed(f, "partial"))
    assert value("chat_runs_active", hook="on_message") == 1
    await control.request_stop(features.thread.id)
    await features.idle()
    moved = reading.moved()
    assert moved["chat_runs_total,hook=on_message,outcome=stopped"] == 1
    assert "chat_runs_total,hook=on_message,outcome=done" not in moved
    assert value("chat_runs_active", hook="on_message") == 0


def test_open_sockets_are_the_process_s_tracked_chat_sockets():
    before = value("chat_websockets_open")
    drain.track("test-socket-1")
    try:
        assert value("chat_websockets_open") == before + 1
    finally:
        drain.forget("test-socket-1")
    assert value("chat_websockets_open") == before

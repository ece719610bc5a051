"""What one message costs the database and the channel layer, counted (not timed)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from channels.layers import InMemoryChannelLayer
from django.db.backends.utils import CursorWrapper

pytestmark = pytest.mark.django_db(transaction=True)

BENCH_APP = str(Path(__file__).resolve().parents[3] / "bench" / "app.py")


class Counted:
    def __init__(self) -> None:
        self.sql: list[str] = []
        self.sends = 0
        self._lock = threading.Lock()

    def add(self, sql: str) -> None:
        with self._lock:
            self.sql.append(sql)


@pytest.fixture
def counted(monkeypatch) -> Iterator[Counted]:
    """Every statement on every connection (the database thread's too), and every send to
    the channel layer."""
    seen = Counted()
    execute, executemany = CursorWrapper.execute, CursorWrapper.executemany

    def counting_execute(self, sql, params=None):
        seen.add(sql)
        return execute(self, sql, params)

    def counting_executemany(self, sql, param_list):
        seen.add(sql)
        return executemany(self, sql, param_list)

    monkeypatch.setattr(CursorWrapper, "execute", counting_execute)
    monkeypatch.setattr(CursorWrapper, "executemany", counting_executemany)
    yield seen


async def test_print(use_assistant, open_chat, thread, user, counted):
    use_assistant(BENCH_APP)
    chat = await open_chat(thread, user)
    await chat.send("echo warm")
    await chat.send("echo warm")
    for text in ("echo hi", "steps", "stream 50"):
        counted.sql.clear()
        await chat.send(text)
        print(text, len(counted.sql))
        for s in counted.sql:
            print("   ", s[:160])

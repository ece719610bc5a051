"""A socket's frames tidy the database connections now and then, not before every one."""

from __future__ import annotations

import pytest
from django.db import connection

from chat.engine import connections


@pytest.fixture(autouse=True)
def fresh_clock(monkeypatch):
    monkeypatch.setattr(connections, "_last_tidy", float("-inf"))


def test_kept_connections_are_tidied_at_most_once_a_second(monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", None)
    assert connections.tidy_due(now=100.0)
    assert not connections.tidy_due(now=100.5)
    assert not connections.tidy_due(now=100.99)
    assert connections.tidy_due(now=101.0)


def test_connections_closed_after_each_use_are_tidied_on_every_frame(monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)
    assert all(connections.tidy_due(now=100.0 + i / 1000) for i in range(5))

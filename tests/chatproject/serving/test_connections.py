"""A socket's frames tidy the database connections now and then, not before every one; work
beside them runs a call once more on a new connection if the server dropped its own."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection

from chatproject.serving import connections


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


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_a_call_whose_connection_the_server_dropped_runs_once_more_on_a_new_one():
    pids = []

    @connections.reconnecting
    def save() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pids.append(cursor.fetchone()[0])
            if len(pids) == 1:
                # Dropped in the middle of the call, after any check before it.
                cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        return len(pids)

    assert save() == 2
    assert pids[0] != pids[1]


@pytest.mark.django_db(transaction=True)
def test_a_call_that_fails_for_another_reason_is_not_run_again():
    calls = []

    @connections.reconnecting
    def broken() -> None:
        calls.append(1)
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table")

    with pytest.raises(DatabaseError):
        broken()
    assert calls == [1]

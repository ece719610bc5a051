"""A PostgreSQL connection the server dropped is replaced on its next use, whatever uses it:
not only a request or a websocket frame, where Django tidies connections itself."""

from __future__ import annotations

import gc
import os

import psycopg
import pytest
from django.db import connection, transaction

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only"),
    # Outside a test transaction, as work beside requests runs.
    pytest.mark.django_db(transaction=True),
]


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def terminate(pid: int) -> None:
    """pg_terminate_backend from another session, as an administrator or a failover."""
    params = connection.get_connection_params()
    with psycopg.connect(autocommit=True, **params) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
        # Until the server has really let go of it.
        while other.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
            pass


def test_a_terminated_connection_is_replaced_before_the_next_query():
    first = backend_pid()
    terminate(first)
    assert backend_pid() != first


def test_a_terminated_connection_is_replaced_before_a_transaction_starts():
    first = backend_pid()
    terminate(first)
    with transaction.atomic():
        assert backend_pid() != first


def test_a_connection_in_use_is_not_checked_for_nothing(django_assert_num_queries):
    backend_pid()
    with django_assert_num_queries(1):
        backend_pid()


@pytest.fixture
def descriptors_below_1024_taken():
    """A process with a thousand websockets open: its next connections get descriptors
    from 1024 on, which select() refuses."""
    connection.close()
    # Objects of earlier tests that hold sockets close them when collected, which would
    # free a low descriptor after the holes are filled: collect them first, and not again
    # until the test is over.
    gc.collect()
    gc.disable()
    pipes = []
    while not pipes or pipes[-1][1] < 1024:
        pipes.append(os.pipe())
    yield
    gc.enable()
    connection.close()
    for read_end, write_end in pipes:
        os.close(read_end)
        os.close(write_end)


def test_a_connection_on_a_high_descriptor_is_kept(descriptors_below_1024_taken):
    first = backend_pid()
    assert connection.connection.fileno() >= 1024
    assert [backend_pid() for _ in range(5)] == [first] * 5


def test_a_terminated_connection_on_a_high_descriptor_is_replaced(descriptors_below_1024_taken):
    first = backend_pid()
    assert connection.connection.fileno() >= 1024
    terminate(first)
    assert backend_pid() != first

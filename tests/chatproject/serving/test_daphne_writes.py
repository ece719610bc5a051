"""A write to daphne's socket goes out at once when nothing waits before it; what the socket
cannot take yet is written later by Twisted, in order; a failed socket is closed as before.
Twisted's own TCP connection over a real socket pair, its event loop stood in for by a
recorder of what it is asked to watch."""

from __future__ import annotations

import socket

import pytest
from twisted.internet import main, tcp
from twisted.internet.protocol import Protocol

from chatproject.serving.daphne_writes import write_daphne_sockets_at_once


class Loop:
    """What Twisted asks the event loop for: which connections to write when writable."""

    def __init__(self) -> None:
        self.writers: set[object] = set()

    def addWriter(self, writer: object) -> None:
        self.writers.add(writer)

    def removeWriter(self, writer: object) -> None:
        self.writers.discard(writer)

    def addReader(self, reader: object) -> None: ...

    def removeReader(self, reader: object) -> None: ...


@pytest.fixture
def pair():
    write_daphne_sockets_at_once(force=True)
    ours, peer = socket.socketpair()
    ours.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 16 * 1024)
    peer.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 * 1024)
    loop = Loop()
    connection = tcp.Connection(ours, Protocol(), loop)
    connection.connected = 1
    peer.setblocking(False)
    yield connection, peer, loop
    ours.close()
    peer.close()


def read_all(peer: socket.socket) -> bytes:
    chunks = []
    while True:
        try:
            chunk = peer.recv(1 << 20)
        except BlockingIOError:
            return b"".join(chunks)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def test_a_frame_is_on_the_wire_as_soon_as_it_is_written(pair):
    connection, peer, loop = pair
    connection.write(b"\x81\x05hello")
    assert read_all(peer) == b"\x81\x05hello"
    assert loop.writers == set()  # nothing left for the loop to write later


def test_what_the_socket_cannot_take_yet_follows_in_order(pair):
    connection, peer, loop = pair
    big = bytes(range(256)) * 4096  # 1 MiB: far more than the socket buffers
    connection.write(big)
    connection.write(b"after")  # waits behind the rest, never overtakes it
    assert loop.writers == {connection}
    received = read_all(peer)
    assert 0 < len(received) < len(big)
    while loop.writers:
        connection.doWrite()
        received += read_all(peer)
    assert received == big + b"after"
    connection.write(b"again")  # the queue is empty once more: at once
    assert read_all(peer) == b"again"
    assert loop.writers == set()


def test_a_socket_whose_peer_went_away_is_closed_as_twisted_closes_it(pair):
    connection, peer, loop = pair
    peer.close()
    connection.write(b"\x81\x02hi" * 100_000)
    connection.write(b"\x81\x02hi")
    assert loop.writers == {connection}  # left to Twisted's own write ...
    outcome = None
    for _ in range(10):
        outcome = connection.doWrite()
        if outcome is not None:
            break
    assert outcome is main.CONNECTION_LOST  # ... which finds the failure and closes


def test_a_closing_connection_writes_the_way_twisted_does(pair):
    connection, peer, loop = pair
    connection.disconnecting = 1
    connection.write(b"last words")
    assert read_all(peer) == b""
    assert loop.writers == {connection}


def test_a_sent_frames_debug_name_is_the_one_autobahn_makes():
    from autobahn import util
    from autobahn.websocket import protocol

    write_daphne_sockets_at_once(force=True)
    sender = protocol.WebSocketProtocol()
    assert protocol.hltype(sender.sendData) == util.hltype(sender.sendData)
    assert protocol.hltype(protocol.WebSocketProtocol) == util.hltype(protocol.WebSocketProtocol)
    assert "sendData" in protocol.hltype(sender.sendData)

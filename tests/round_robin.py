"""A small round-robin TCP proxy for the tests, as a load balancer without sticky sessions.

Each new connection goes to the next backend in turn; a backend that refuses the
connection (stopped, or no longer listening while it shuts down) is skipped, and a
connection no backend takes is closed at once. Bytes are relayed as they come, both
ways; when either side ends, so does the other, without a websocket close frame, as a
real proxy does when the process behind it dies.

It runs its own event loop in a thread, so that a test blocking its own loop (or a
sync fixture) does not stall the traffic. The bench runs it as a process of its own
(bench/proxy.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading

HOST = "127.0.0.1"
CHUNK = 65536


class RoundRobinProxy:
    def __init__(self, backend_ports: list[int], *, remember_routes: bool = True) -> None:
        self.backend_ports = list(backend_ports)
        self.port = 0
        # The client's port on each connection -> the backend's port it was relayed to
        # (for a test to ask; a bench's thousands of connections are not remembered).
        self.routes: dict[int, int] = {}
        self.remember_routes = remember_routes
        self._next = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._relays: set[asyncio.Task[None]] = set()

    def start(self, port: int = 0, *, backlog: int = 100) -> RoundRobinProxy:
        """Listens on `port` (a free one by default)."""
        self._thread.start()
        self._server = self._run(asyncio.start_server(self._accept, HOST, port, backlog=backlog))
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._run(self._shut())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def cut(self) -> None:
        """Drops every connection relayed so far, as a network failure would."""
        self._run(self._cut())

    async def _cut(self) -> None:
        for relay in list(self._relays):
            relay.cancel()
        await asyncio.gather(*self._relays, return_exceptions=True)

    def backend_of(self, client_port: int) -> int | None:
        """The backend a connection from this (local) client port was relayed to."""
        return self.routes.get(client_port)

    def _run(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=10)

    async def _shut(self) -> None:
        assert self._server is not None
        self._server.close()
        for relay in list(self._relays):
            relay.cancel()
        await asyncio.gather(*self._relays, return_exceptions=True)
        await self._server.wait_closed()

    async def _connect_next(self) -> tuple[int, asyncio.StreamReader, asyncio.StreamWriter]:
        count = len(self.backend_ports)
        for step in range(count):
            index = (self._next + step) % count
            port = self.backend_ports[index]
            try:
                reader, writer = await asyncio.open_connection(HOST, port)
            except OSError:
                continue  # refused: not (or no longer) listening
            self._next = index + 1
            return port, reader, writer
        raise ConnectionRefusedError("no backend takes connections")

    async def _accept(self, client_in: asyncio.StreamReader, client_out: asyncio.StreamWriter):
        relay = asyncio.current_task()
        assert relay is not None
        self._relays.add(relay)
        try:
            try:
                port, backend_in, backend_out = await self._connect_next()
            except OSError:
                return
            if self.remember_routes:
                self.routes[client_out.get_extra_info("peername")[1]] = port
            try:
                both = [
                    asyncio.ensure_future(_pipe(client_in, backend_out)),
                    asyncio.ensure_future(_pipe(backend_in, client_out)),
                ]
                try:
                    await asyncio.wait(both, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    for pipe in both:
                        pipe.cancel()
                    await asyncio.gather(*both, return_exceptions=True)
            finally:
                _close(backend_out)
        finally:
            _close(client_out)
            self._relays.discard(relay)


async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError):
        while data := await source.read(CHUNK):
            sink.write(data)
            await sink.drain()


def _close(writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(Exception):
        writer.close()

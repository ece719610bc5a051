#!/usr/bin/env python3
"""A round-robin TCP proxy without sticky sessions, as a load balancer in front of
several web processes: each new connection goes to the next backend in turn (a backend
that refuses is skipped), bytes are relayed both ways as they come.

    python bench/proxy.py --port 8000 --backends 8001,8002

Runs in its own process so that `run.py` can count its CPU apart from the client's and
the servers'. Prints "listening PORT" once it accepts connections.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import resource
import signal

HOST = "127.0.0.1"
CHUNK = 65536


async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError):
        while data := await source.read(CHUNK):
            sink.write(data)
            await sink.drain()


def close(writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(Exception):
        writer.close()


async def serve(port: int, backends: list[int]) -> None:
    turn = itertools.cycle(range(len(backends)))

    async def accept(client_in: asyncio.StreamReader, client_out: asyncio.StreamWriter):
        try:
            for _ in backends:
                try:
                    backend_in, backend_out = await asyncio.open_connection(
                        HOST, backends[next(turn)])
                    break
                except OSError:
                    continue
            else:
                return
            try:
                both = [asyncio.ensure_future(pipe(client_in, backend_out)),
                        asyncio.ensure_future(pipe(backend_in, client_out))]
                try:
                    await asyncio.wait(both, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    for p in both:
                        p.cancel()
                    await asyncio.gather(*both, return_exceptions=True)
            finally:
                close(backend_out)
        finally:
            close(client_out)

    server = await asyncio.start_server(accept, HOST, port, backlog=4096)
    print(f"listening {server.sockets[0].getsockname()[1]}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--backends", required=True, help="comma-separated ports on 127.0.0.1")
    a = ap.parse_args()
    # Two sockets per relayed connection.
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    asyncio.run(serve(a.port, [int(p) for p in a.backends.split(",")]))


if __name__ == "__main__":
    main()

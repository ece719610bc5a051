"""Connection storm: what other users of an instance feel while sockets are opened and
dropped by the hundred.

    .venv/bin/python bench/storm.py [--storm 500] [--services] [--no-snapshot]

Starts the product as bench/run.py does (same Product and Server), signs one user's tab
in, and measures that tab's echo round trip ("echo hi" sent, run ended) three times:
alone, during a storm of --storm websocket connects each reset (TCP RST) as soon as its
handshake is done, and after it. Prints `name: value unit` lines:

  storm_echo_alone_p50 / _max         the tab's echo, nobody else connecting (ms)
  storm_echo_during_p50 / _p95 / _max the same while the storm runs (ms)
  storm_echo_after_p50                once the storm is over (ms)
  storm_wall                          how long the storm took (s)
  storm_connects_failed               handshakes that did not complete
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import socket
import struct
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run as bench  # noqa: E402 (bench/run.py: Product, Server, Tab, figures)
from websockets.asyncio.client import connect as ws_connect  # noqa: E402

FAILURES: list[str] = []


def ms(values: list[float], p: float) -> float:
    return bench.pct(values, p) * 1000 if values else float("nan")


async def echo_loop(tab: bench.Tab, stop: asyncio.Event, out: list[float]) -> None:
    while not stop.is_set():
        run = await tab.ask("echo hi", 60)
        out.append(run.t_end - run.t_emit)
        await asyncio.sleep(0.05)


async def echoes(tab: bench.Tab, count: int) -> list[float]:
    out = []
    for _ in range(count):
        run = await tab.ask("echo hi", 60)
        out.append(run.t_end - run.t_emit)
        await asyncio.sleep(0.05)
    return out


async def connect_and_reset(server: bench.Server, pair: dict) -> bool:
    """Opens a signed-in socket on the pair's thread, then drops it with a TCP RST."""
    try:
        ws = await ws_connect(
            f"{server.ws_base}/ws/threads/{pair['thread']}/",
            origin=server.base,
            additional_headers={"Cookie": f"sessionid={pair['sessionid']}"},
            proxy=None,
            open_timeout=60,
            ping_interval=None,
        )
    except Exception as error:
        FAILURES.append(repr(error))
        return False
    sock = ws.transport.get_extra_info("socket")
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    ws.transport.abort()
    return True


async def storm(server: bench.Server, pairs: list[dict], concurrency: int) -> int:
    sem = asyncio.Semaphore(concurrency)

    async def one(pair: dict) -> bool:
        async with sem:
            return await connect_and_reset(server, pair)

    results = await asyncio.gather(*(one(p) for p in pairs))
    return sum(1 for ok in results if not ok)


async def main_async(args) -> None:
    product = bench.Product(args)
    server = bench.Server(product, args, "storm")
    try:
        product.manage("migrate", "--noinput", "-v", "0")
        seed = await asyncio.to_thread(product.seed, args.storm + 1, {"t": 1, "s": args.storm})
        await asyncio.to_thread(server.start)
        pair = seed["threads"]["t"][0]
        tab = bench.Tab(args, server, pair["thread"], f"sessionid={pair['sessionid']}")
        await tab.open()
        await echoes(tab, 5)  # warm-up
        alone = await echoes(tab, args.echoes)

        stop = asyncio.Event()
        during: list[float] = []
        loop = asyncio.create_task(echo_loop(tab, stop, during))
        t0 = time.perf_counter()
        failed = await storm(server, seed["threads"]["s"], args.concurrency)
        wall = time.perf_counter() - t0
        stop.set()
        await loop
        await asyncio.sleep(2)  # the server tidies the dropped sockets
        after = await echoes(tab, args.echoes)
        await tab.close()

        bench.emit_figure("storm_sockets", args.storm, "sockets")
        bench.emit_figure("storm_wall", wall, "s")
        bench.emit_figure("storm_connects_failed", failed, "sockets")
        for example in sorted(set(FAILURES))[:3]:
            bench.note(f"a failed connect: {example}")
        bench.emit_figure("storm_echo_alone_p50", ms(alone, 50), "ms")
        bench.emit_figure("storm_echo_alone_max", ms(alone, 100), "ms")
        bench.emit_figure("storm_echo_during_count", len(during), "echoes")
        bench.emit_figure("storm_echo_during_p50", ms(during, 50), "ms")
        bench.emit_figure("storm_echo_during_p95", ms(during, 95), "ms")
        bench.emit_figure("storm_echo_during_max", ms(during, 100), "ms")
        bench.emit_figure("storm_echo_after_p50", ms(after, 50), "ms")
    finally:
        server.stop()
        product.cleanup()


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--storm", type=int, default=500, help="sockets opened and reset")
    ap.add_argument("--concurrency", type=int, default=100, help="handshakes at once")
    ap.add_argument("--echoes", type=int, default=20)
    ap.add_argument("--services", action="store_true", help="PostgreSQL + Redis")
    ap.add_argument("--pg-admin-url", default="postgresql://root@127.0.0.1:5432/postgres")
    ap.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    ap.add_argument("--no-snapshot", action="store_true", help="run the working tree itself")
    ap.add_argument("--start-timeout", type=float, default=120)
    args = ap.parse_args()
    # What bench/run.py's Product, Server and Tab read.
    args.sqlite_url = False
    args.env = []
    args.port = 0
    args.launcher = None
    args.no_ws_compress = False
    args.ping_interval, args.ping_timeout = 50, 30  # as docker-compose.yml starts daphne
    args.app_path = HERE / "app.py"
    if not args.no_snapshot:
        bench.SRC, _desc = bench.make_snapshot()
    bench.raise_nofile()
    asyncio.run(main_async(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())

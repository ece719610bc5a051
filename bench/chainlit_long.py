#!/usr/bin/env python3
"""Chainlit side of workload (h), client stream: one long answer ("stream 40000"), and
the token rate over its first 5,000 tokens vs its last 5,000, as a socket.io client
that speaks like Chainlit's browser client sees it.

Runs with the Chainlit venv (it reuses the anchor bench's Session class, unchanged):

    /tmp/anchors/chainlit-venv/bin/python bench/chainlit_long.py --base http://127.0.0.1:8001

--base: a Chainlit server that is already running (compare.py starts it). Prints
`name: value unit` lines with the same names as run.py's (h) figures.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import types
from pathlib import Path

ANCHOR = Path("/work/shared/anchors/chainlit")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--anchor", default=str(ANCHOR))
    ap.add_argument("--base", default="http://127.0.0.1:8001")
    ap.add_argument("--tokens", type=int, default=40000)
    ap.add_argument("--window", type=int, default=5000)
    ap.add_argument("--command", default=None,
                    help='message to send (default "stream N"; e.g. "paced N R")')
    ap.add_argument("--prefix", default="long", help="figure name prefix")
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--no-ws-compress", dest="ws_compress", action="store_false")
    a = ap.parse_args()
    sys.path.insert(0, a.anchor)
    sys.dont_write_bytecode = True
    import rates  # this folder's: the same definition as ours

    import bench as anchor  # the anchor's bench.py

    class Probe(anchor.Session):
        """The anchor's session, plus a timestamp for every token."""

        def _wire(self) -> None:
            super()._wire()
            self.samples: list[tuple[float, int]] = []
            now = time.perf_counter

            @self.sio.on("stream_start")
            async def _ss(data):
                r = self.run
                if r is None:
                    return
                t = now()
                r.t_stream_start = r.t_last_token = t
                r.stream_id = data.get("id")
                r.tokens += 1
                self.samples.append((t, r.tokens))

            @self.sio.on("stream_token")
            async def _st(data):
                r = self.run
                if r is None:
                    return
                t = now()
                r.t_last_token = t
                r.tokens += 1
                self.samples.append((t, r.tokens))

    args = types.SimpleNamespace(sticky_cookie=True, ws_compress=a.ws_compress,
                                 transports="polling,websocket", keepalive=True)

    async def run() -> None:
        s = Probe(args, a.base)
        await s.open()
        try:
            await s.ask("echo warm", 10)
            n, w = a.tokens, a.window
            r = await s.ask(a.command or f"stream {n}", a.timeout)
            if r.tokens != n:
                raise RuntimeError(f"got {r.tokens} of {n} tokens")
            first, last = rates.window_rates(s.samples, n, w)
            p = a.prefix
            print(f"{p}_client_tokens_per_s: {n / (r.t_final - r.t_emit):.0f} tok/s")
            print(f"{p}_client_first_window_rate: {first:.0f} tok/s")
            print(f"{p}_client_last_window_rate: {last:.0f} tok/s")
            print(f"{p}_client_last_over_first: {last / first:.3f} ")
            print(f"{p}_client_ttft: {(r.t_stream_start - r.t_emit) * 1000:.2f} ms")
        finally:
            await s.close()

    asyncio.run(asyncio.wait_for(run(), a.timeout + 60))
    return 0


if __name__ == "__main__":
    sys.exit(main())

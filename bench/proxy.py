#!/usr/bin/env python3
"""A round-robin TCP proxy without sticky sessions, as a load balancer in front of
several web processes: each new connection goes to the next backend in turn (a backend
that refuses is skipped), bytes are relayed both ways as they come. The same proxy the
tests put in front of two instances (tests/round_robin.py), in a process of its own.

    python bench/proxy.py --port 8000 --backends 8001,8002

Runs in its own process so that `run.py` can count its CPU apart from the client's and
the servers'. Prints "listening PORT" once it accepts connections; stops on SIGTERM.
"""

from __future__ import annotations

import argparse
import contextlib
import resource
import signal
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.round_robin import RoundRobinProxy  # noqa: E402

# Connections waiting to be accepted: a storm of thousands of sockets at once.
BACKLOG = 4096


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--backends", required=True, help="comma-separated ports on 127.0.0.1")
    a = ap.parse_args()
    # Two sockets per relayed connection.
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    backends = [int(p) for p in a.backends.split(",")]
    proxy = RoundRobinProxy(backends, remember_routes=False).start(a.port, backlog=BACKLOG)
    print(f"listening {proxy.port}", flush=True)
    try:
        stop.wait()
    finally:
        proxy.stop()


if __name__ == "__main__":
    main()

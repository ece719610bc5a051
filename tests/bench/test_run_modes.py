"""The bench's production-stack and idle-at-scale modes start, run and clean up, on a tiny
size (figures are not checked: speed is measured in bench/, never asserted).

Each takes 20-60 s on a busy 2-core machine (three or four servers start), so they run only
when BENCH_TESTS=1 is set: `BENCH_TESTS=1 .venv/bin/python -m pytest tests/bench`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.environ.get("BENCH_TESTS"), reason="set BENCH_TESTS=1 to run"),
]


def bench(*argv: str) -> dict[str, float]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CHANNEL_PREFIX")}
    r = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--no-snapshot", "--no-browser",
         "--deadline", "240", *argv],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    body = r.stdout.split("# ===== summary")[0]
    assert "FAILED" not in body, body[-3000:]
    return {m[1]: float(m[2]) for m in re.finditer(r"^(\w+): ([-\d.e+na]+)", body, re.M)}


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs PostgreSQL and Redis")
def test_two_web_processes_behind_the_proxy_answer_every_session():
    figures = bench("--services", "--web-procs", "2", "--phases", "d",
                    "--conc-sessions", "6", "--conc-tokens", "20")  # fmt: skip
    assert figures["conc_sessions"] == 6
    assert figures["conc_failures_final_text"] == 0
    assert figures["conc_missed_by_client_only"] == 0
    # The answers went through the proxy (its CPU is reported) with a worker beside.
    assert "conc_proxy_cpu" in figures
    assert "conc_worker_cpu" in figures


def test_idle_sockets_at_scale_with_and_without_deflate():
    figures = bench("--phases", "i", "--idle-scale", "12", "--idle-cpu-seconds", "1")
    assert figures["idle_deflate_sockets_open"] == 12
    assert figures["idle_deflate_deflate_negotiated"] == 12
    assert figures["idle_plain_sockets_open"] == 12
    assert figures["idle_plain_deflate_negotiated"] == 0
    assert figures["idle_deflate_still_open"] == 12

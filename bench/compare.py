#!/usr/bin/env python3
"""This project vs Chainlit 2.12.0, back to back on this machine (A B A B ...).

    .venv/bin/python bench/compare.py [--rounds 2] [--services] [--md-out FILE]

A = bench/run.py --reps 1 (this project, all workloads a..h).
B = Chainlit, through the anchor's own scripts in ../shared/anchors/chainlit, run
    with the Chainlit venv (/tmp/anchors/chainlit-venv; --install creates it as the
    anchor README says):
      bench.py --reps 1                              a, b, c, d, e, f (default sizes)
      bench.py --reps 1 --conc-sessions 1000 ...     g (its "conc_*" figures, 1000 x 200)
      bench.py --reps 1 --no-ws-compress ...         e with permessage-deflate off (ours too:
                                                     run.py --phases e --no-ws-compress)
      bench/chainlit_long.py                         h, client stream (socket.io client)
      Chromium on Chainlit's UI                      h, in the DOM (polling, 50 ms)
      page_weight_browser.py                         f, as headless Chromium fetches it
                                                     (first round only: bytes do not move)

Then it prints, per margin, the medians over the rounds and the ratio ours/Chainlit.
Only 127.0.0.1 is contacted; every process started here is stopped by PID.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as _dt
import json
import math
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import rates

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PY = sys.executable
# The Chainlit anchor sits beside the project: ../shared/anchors/chainlit (or CHAT_BENCH_ANCHOR).
ANCHOR = Path(
    os.environ.get("CHAT_BENCH_ANCHOR")
    or Path(__file__).resolve().parents[2] / "shared" / "anchors" / "chainlit"
)
CL_VENV = Path("/tmp/anchors/chainlit-venv")  # noqa: S108 - the anchor README's path
CL_PY = CL_VENV / "bin" / "python"
CL_WORKDIR = Path("/tmp/anchors/chainlit-run")  # noqa: S108 - the anchor README's path
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
LINE = re.compile(r"^([a-z0-9_]+): (-?[0-9.e+]+|nan|inf) ?(.*)$")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-gpu"]
DEADLINE = [0.0]


def now_iso() -> str:
    return _dt.datetime.now(_dt.UTC).astimezone().isoformat(timespec="seconds")


def note(msg: str) -> None:
    print(f"# {msg}", flush=True)


def remaining() -> float:
    return max(30.0, DEADLINE[0] - time.monotonic())


def run_lines(cmd: list[str], label: str, timeout: float, cwd: Path | None = None,
              env: dict | None = None) -> dict[str, tuple[float, str]]:
    """Runs a bench script, echoes its output, returns its `name: value unit` figures."""
    note(f"[{label}] {' '.join(str(c) for c in cmd)}")
    figures: dict[str, tuple[float, str]] = {}
    proc = subprocess.Popen([str(c) for c in cmd], cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    end = time.monotonic() + min(timeout, remaining())
    summary = False
    try:
        assert proc.stdout is not None
        for raw in proc.stdout:
            line = raw.rstrip("\n")
            print(f"[{label}] {line}", flush=True)
            if line.startswith("# ===== summary"):
                summary = True
            m = LINE.match(line)
            if m and not summary:  # per-repetition lines (one repetition per call)
                figures[m.group(1)] = (float(m.group(2)), m.group(3).strip())
            if time.monotonic() > end:
                raise TimeoutError(label)
        proc.wait(timeout=max(1.0, end - time.monotonic()))
    except (TimeoutError, subprocess.TimeoutExpired):
        note(f"[{label}] timed out; stopping it")
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)  # the bench scripts stop their servers
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
    if proc.returncode not in (0, None):
        note(f"[{label}] exited with {proc.returncode}")
    return figures


def port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class ChainlitServer:
    """`chainlit run <anchor app.py> --headless` as the anchor README starts it."""

    def __init__(self, port: int, app: Path = ANCHOR / "app.py"):
        self.port = port
        self.app = app
        self.base = f"http://127.0.0.1:{port}"
        self.proc = None
        self.log = None

    def __enter__(self):
        CL_WORKDIR.mkdir(parents=True, exist_ok=True)
        self.log = open(CL_WORKDIR / "compare-server.log", "ab")
        env = dict(os.environ)
        env.pop("CHAINLIT_AUTH_SECRET", None)
        self.proc = subprocess.Popen(
            [str(CL_VENV / "bin" / "chainlit"), "run", str(self.app), "--headless",
             "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=CL_WORKDIR, env=env, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True)
        end = time.monotonic() + 60
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError("chainlit exited early")
            with contextlib.suppress(OSError), OPENER.open(self.base + "/", timeout=2) as r:
                if r.status == 200:
                    return self
            time.sleep(0.05)
        raise RuntimeError("chainlit did not start")

    def __exit__(self, *exc):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if self.log:
            self.log.close()


CL_POLL_JS = """
() => {
  const h = window.__cl = {samples: [], t0: null};
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && h.t0 === null) h.t0 = performance.now();
  }, true);
  setInterval(() => {
    const els = document.querySelectorAll('[data-step-type="assistant_message"]');
    if (!els.length) return;
    const txt = els[els.length - 1].textContent;
    const i = txt.lastIndexOf('tok');
    if (i < 0) return;
    const m = /^tok(\\d+)/.exec(txt.slice(i));
    if (!m) return;
    const k = Number(m[1]) + 1;
    const s = h.samples;
    if (!s.length || s[s.length - 1][1] !== k) s.push([performance.now(), k]);
  }, 50);
}
"""


async def chainlit_browser_long(base: str, n: int, w: int, limit: float, chromium: str,
                                command: str | None = None,
                                prefix: str = "long") -> dict[str, tuple[float, str]]:
    """(h) in Chromium on Chainlit's own UI: tokens in the DOM over time (polled, 50 ms)."""
    from playwright.async_api import async_playwright

    out: dict[str, tuple[float, str]] = {}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS,
                                          timeout=60000)
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 900})
            await page.goto(base + "/", timeout=60000)
            await page.wait_for_selector("#chat-input", timeout=60000)
            await asyncio.sleep(2.0)  # socket.io connects after the first render
            await page.evaluate(CL_POLL_JS)
            await page.click("#chat-input")
            await page.keyboard.type(command or f"stream {n}")
            await page.keyboard.press("Enter")
            reached = True
            try:
                await page.wait_for_function(
                    f"() => {{ const s = window.__cl.samples; "
                    f"return s.length && s[s.length - 1][1] >= {n}; }}",
                    timeout=limit * 1000, polling=500)
            except Exception:
                reached = False
            h = await page.evaluate("() => window.__cl")
        finally:
            await browser.close()
    pts = [(t / 1000, k) for t, k in h["samples"]]
    t0 = (h["t0"] or 0) / 1000
    if not pts:
        return out
    last_k = pts[-1][1]
    out["long_browser_tokens_reached"] = (last_k, "tokens")
    if not reached and last_k < 2 * w:
        w = max(1, last_k // 2)  # the page fell far behind: compare halves of what it showed
        out["long_browser_window_used"] = (w, "tokens")
    r_first, r_last = rates.window_rates(pts, n if reached else last_k, w)
    if not math.isnan(r_first):
        out["long_browser_first_window_rate"] = (r_first, "tok/s")
    if reached:
        tn = next(t for t, k in pts if k >= n)
        out["long_browser_last_window_rate"] = (r_last, "tok/s")
        out["long_browser_tokens_per_s"] = (n / (tn - t0), "tok/s")
        out["long_browser_total"] = (tn - t0, "s")
    else:
        # Not finished in time: the rate over the last `w` tokens it did show.
        a = next((p for p in pts if p[1] >= last_k - w), pts[0])
        out["long_browser_last_window_rate"] = ((last_k - a[1]) / max(1e-9, pts[-1][0] - a[0]),
                                                "tok/s")
        out["long_browser_timed_out_after"] = (limit, "s")
    if "long_browser_first_window_rate" in out:
        out["long_browser_last_over_first"] = (
            out["long_browser_last_window_rate"][0] / out["long_browser_first_window_rate"][0], "")
    out["long_browser_ttft"] = ((pts[0][0] - t0) * 1000, "ms")
    out = {k.replace("long_", f"{prefix}_", 1): v for k, v in out.items()}
    for k, (v, u) in out.items():
        print(f"[chainlit-h-browser] {k}: {v:.4g} {u}", flush=True)
    return out


# ----------------------------------------------------------------------------------------
def ours(args, rnd: int, tmp: Path) -> dict:
    cmd = [PY, HERE / "run.py", "--reps", "1", "--deadline", str(args.side_deadline),
           "--json-out", tmp / f"ours-{rnd}.json", "--paced-rate", str(args.paced_rate)]
    if args.services:
        cmd.append("--services")
    cmd += args.ours_args
    figs = run_lines(cmd, f"ours r{rnd}", args.side_deadline + 60, cwd=ROOT)
    if "e" in args.parts:
        e = run_lines([PY, HERE / "run.py", "--reps", "1", "--phases", "e", "--no-ws-compress",
                       *args.ours_args], f"ours-nodeflate r{rnd}", args.side_deadline + 60,
                      cwd=ROOT)
        figs.update({k + "_nodeflate": v for k, v in e.items() if k.startswith("mem_")})
    return figs


def chainlit(args, rnd: int, tmp: Path) -> dict:
    figs: dict[str, tuple[float, str]] = {}
    # The previous round's server may still be closing its hundreds of sockets.
    for _ in range(600):
        if port_free(8001):
            break
        time.sleep(0.2)
    else:
        raise RuntimeError("port 8001 (the anchor's Chainlit port) is busy")
    bench = [CL_PY, ANCHOR / "bench.py", "--reps", "1", "--deadline", str(args.side_deadline)]
    figs.update(run_lines([*bench, "--json-out", tmp / f"chainlit-{rnd}.json"],
                          f"chainlit r{rnd}", args.side_deadline + 60, cwd=ANCHOR))
    if "g" in args.parts:
        g = run_lines([*bench, "--conc-sessions", str(args.big_sessions), "--conc-tokens", "200",
                               "--warmup", "1", "--echo-n", "5", "--steps-n", "2",
                               "--stream-tokens", "100", "--idle-sessions", "10"],
                      f"chainlit-g r{rnd}", args.side_deadline + 60, cwd=ANCHOR)
        figs.update({k.replace("conc_", "big_"): v for k, v in g.items()
                     if k.startswith("conc_")})
    if "e" in args.parts:
        e = run_lines([*bench, "--no-ws-compress", "--warmup", "1", "--echo-n", "5",
                               "--steps-n", "2", "--stream-tokens", "100",
                               "--conc-sessions", "2"],
                      f"chainlit-nodeflate r{rnd}", args.side_deadline + 60, cwd=ANCHOR)
        figs.update({k + "_nodeflate": v for k, v in e.items() if k.startswith("mem_")})
    if "h" in args.parts:
        with ChainlitServer(8001) as srv:
            figs.update(run_lines([CL_PY, HERE / "chainlit_long.py", "--base", srv.base,
                                   "--tokens", "40000"], f"chainlit-h r{rnd}", 400))
            if args.chromium:
                try:
                    figs.update(asyncio.run(asyncio.wait_for(chainlit_browser_long(
                        srv.base, 40000, 5000, args.browser_timeout, args.chromium),
                        args.browser_timeout + 120)))
                except Exception as e:
                    note(f"Chainlit browser (h) failed: {e!r}")
    if "p" in args.parts and args.paced_rate:
        # the bench-only paced assistant, with Chainlit's import
        app = tmp / "chainlit_app_paced.py"
        app.write_text((HERE / "app_paced.py").read_text().replace(
            "import chat.sdk as cl\n", "import chainlit as cl\n"))
        cmd = f"paced 40000 {args.paced_rate}"
        with ChainlitServer(8001, app) as srv:
            figs.update(run_lines([CL_PY, HERE / "chainlit_long.py", "--base", srv.base,
                                   "--tokens", "40000", "--command", cmd, "--prefix", "paced"],
                                  f"chainlit-paced r{rnd}", 400))
            if args.chromium:
                try:
                    figs.update(asyncio.run(asyncio.wait_for(chainlit_browser_long(
                        srv.base, 40000, 5000, args.browser_timeout, args.chromium, cmd,
                        "paced"), args.browser_timeout + 120)))
                except Exception as e:
                    note(f"Chainlit browser (paced) failed: {e!r}")
    if "f" in args.parts and rnd == 0 and args.chromium:
        figs.update(run_lines([CL_PY, ANCHOR / "page_weight_browser.py", "--chromium",
                               args.chromium, "--shot", ""], f"chainlit-f r{rnd}", 300,
                              cwd=ANCHOR))
    return figs


def med(rows: list[dict], name: str) -> float | None:
    vals = [r[name][0] for r in rows if name in r]
    return statistics.median(vals) if vals else None


MARGINS = [
    # (label, ours figure, Chainlit figure, kind, threshold)
    ("c tokens/s (stream 5000)", "stream_tokens_per_s", "stream_tokens_per_s", ">=x", 3.0),
    ("c time to first token", "stream_ttft", "stream_ttft", "<=x", 1.0),
    ("c server CPU (context)", "stream_server_cpu", "stream_server_cpu", "ctx", None),
    ("b echo median", "echo_rtt_median", "echo_rtt_median", "<=x", 1.0),
    ("b echo p95 (context)", "echo_rtt_p95", "echo_rtt_p95", "ctx", None),
    ("(extra) steps median", "steps_rtt_median", "steps_rtt_median", "ctx", None),
    ("d 100x200 wall", "conc_wall", "conc_wall", "<=x", 0.5),
    ("d failures, strict (ours must be 0)", "conc_failures", "conc_failures", "zero", None),
    ("d failures, final text wrong/missing", "conc_failures_final_text", "conc_failures",
     "zero", None),
    ("d TTFT p50 (context)", "conc_ttft_p50", "conc_ttft_p50", "ctx", None),
    ("d TTFT p95 (context)", "conc_ttft_p95", "conc_ttft_p95", "ctx", None),
    ("d p95 completion (context)", "conc_p95", "conc_p95", "ctx", None),
    ("d server CPU (context)", "conc_server_cpu", "conc_server_cpu", "ctx", None),
    ("g 1000x200 failures, strict", "big_failures", "big_failures", "zero", None),
    ("g failures, final text wrong/missing", "big_failures_final_text", "big_failures",
     "zero", None),
    ("g p95 completion (context)", "big_p95", "big_p95", "ctx", None),
    ("g wall (context)", "big_wall", "big_wall", "ctx", None),
    ("e KiB/session, deflate ON on both (as browsers connect)", "mem_per_session",
     "mem_per_session", "<=x", 0.5),
    ("e KiB/session, deflate OFF on both", "mem_per_session_nodeflate",
     "mem_per_session_nodeflate", "<=x", 0.5),
    ("e idle RSS (context)", "mem_idle_rss", "mem_idle_rss", "ctx", None),
    ("f first load, browser wire bytes", "page_bytes_wire", "browser_first_load_total",
     "<=x", 0.1),
    ("f first load, bodies as sent", "page_bytes_body", "page_first_load_gzip", "<=x", 0.1),
    ("a cold start (context)", "cold_start", "cold_start", "ctx", None),
    ("h client last/first 5000 (ours >= 0.9)", "long_client_last_over_first",
     "long_client_last_over_first", "own>=", 0.9),
    ("h Chromium last/first 5000 (ours >= 0.9)", "long_browser_last_over_first",
     "long_browser_last_over_first", "own>=", 0.9),
    ("h paced: client last/first 5000", "paced_client_last_over_first",
     "paced_client_last_over_first", "own>=", 0.9),
    ("h paced: Chromium last/first 5000", "paced_browser_last_over_first",
     "paced_browser_last_over_first", "own>=", 0.9),
    ("h paced: Chromium tokens/s (context)", "paced_browser_tokens_per_s",
     "paced_browser_tokens_per_s", "ctx", None),
    ("h client tokens/s (context)", "long_client_tokens_per_s", "long_client_tokens_per_s",
     "ctx", None),
    ("h Chromium tokens/s (context)", "long_browser_tokens_per_s", "long_browser_tokens_per_s",
     "ctx", None),
]


def report(A: list[dict], B: list[dict]) -> list[dict]:
    rows = []
    print("\n# ===== margins: medians over rounds; ratio = ours / Chainlit =====")
    for label, a_name, b_name, kind, thr in MARGINS:
        a, b = med(A, a_name), med(B, b_name)
        ratio = (a / b) if (a is not None and b not in (None, 0)) else None
        if kind == ">=x":
            ok = ratio is not None and ratio >= thr
            goal = f"ratio >= {thr:g}"
        elif kind == "<=x":
            ok = ratio is not None and ratio <= thr
            goal = f"ratio <= {thr:g}"
        elif kind == "zero":
            ok = a is not None and max(r[a_name][0] for r in A if a_name in r) == 0
            goal = "ours 0 in every round"
        elif kind == "own>=":
            ok = a is not None and a >= thr
            goal = f"ours >= {thr:g}"
        else:
            ok, goal = None, "context"
        verdict = "" if ok is None else ("MET" if ok else "NOT MET")
        fa = "-" if a is None else f"{a:.4g}"
        fb = "-" if b is None else f"{b:.4g}"
        fr = "-" if ratio is None else f"{ratio:.3g}"
        print(f"{label}: ours {fa} | chainlit {fb} | ratio {fr} | {goal} {verdict}")
        rows.append({"label": label, "ours": a, "chainlit": b, "ratio": ratio, "goal": goal,
                     "verdict": verdict, "ours_name": a_name, "chainlit_name": b_name,
                     "ours_values": [r[a_name][0] for r in A if a_name in r],
                     "chainlit_values": [r[b_name][0] for r in B if b_name in r]})
    return rows


def markdown(rows: list[dict], A: list[dict], B: list[dict], meta: dict) -> str:
    def vals(v):
        return ", ".join(f"{x:.4g}" for x in v)

    out = [f"Run {meta['date']} ({meta['rounds']} rounds, order {meta['order']}, "
           f"load average 1 min at the start of each side: {meta['loads']})", "",
           "| margin | ours (median; values) | Chainlit (median; values) | ours/Chainlit | goal |",
           "| --- | --- | --- | --- | --- |"]
    for r in rows:
        o = "-" if r["ours"] is None else f"{r['ours']:.4g} ({vals(r['ours_values'])})"
        c = "-" if r["chainlit"] is None else f"{r['chainlit']:.4g} ({vals(r['chainlit_values'])})"
        ratio = "-" if r["ratio"] is None else f"{r['ratio']:.3g}"
        out.append(f"| {r['label']} | {o} | {c} | {ratio} | {r['goal']} {r['verdict']} |")
    return "\n".join(out) + "\n"


def ensure_chainlit(install: bool) -> None:
    if CL_PY.exists():
        return
    if not install:
        raise SystemExit(f"{CL_PY} missing: run with --install, or follow {ANCHOR}/README.md")
    py = "python3.11" if subprocess.run(["which", "python3.11"], capture_output=True,
                                        check=False).returncode == 0 else "python3"
    subprocess.run([py, "-m", "venv", str(CL_VENV)], check=True, timeout=300)
    subprocess.run([str(CL_VENV / "bin" / "pip"), "install", "chainlit==2.12.0",
                    "python-socketio[asyncio_client]", "aiohttp", "psutil"], check=True,
                   timeout=1200)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=2, help="A B pairs (A B A B for 2)")
    ap.add_argument("--services", action="store_true", help="ours on PostgreSQL + Redis")
    ap.add_argument("--parts", default="e,f,g,h,p",
                    help="Chainlit extras to run besides its default bench: e,f,g,h,p "
                         "(p: the paced long answer)")
    ap.add_argument("--paced-rate", type=int, default=2000)
    ap.add_argument("--big-sessions", type=int, default=1000)
    ap.add_argument("--browser-timeout", type=float, default=240,
                    help="limit for Chainlit's UI to show 40,000 tokens")
    ap.add_argument("--side-deadline", type=float, default=1500)
    ap.add_argument("--deadline", type=float, default=5400, help="whole comparison")
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    ap.add_argument("--install", action="store_true", help="create the Chainlit venv if missing")
    ap.add_argument("--json-out", default=None)
    ap.add_argument("--md-out", default=None, help="write the margins table (markdown)")
    ap.add_argument("ours_args", nargs="*", help="extra arguments for run.py (after --)")
    args = ap.parse_args()
    args.parts = set(args.parts.split(","))
    if not Path(args.chromium).exists():
        args.chromium = None
    DEADLINE[0] = time.monotonic() + args.deadline
    ensure_chainlit(args.install)
    tmp = Path(tempfile.mkdtemp(prefix="chat-compare-"))
    note(f"date {now_iso()}  cpus {os.cpu_count()}  "
         f"rounds {args.rounds}  services {args.services}")
    A: list[dict] = []
    B: list[dict] = []
    loads = []
    order = []
    for rnd in range(args.rounds):
        if time.monotonic() > DEADLINE[0]:
            note("deadline reached; stopping")
            break
        loads.append(f"A{rnd + 1} {os.getloadavg()[0]:.2f}")
        order.append("A")
        A.append(ours(args, rnd, tmp))
        if time.monotonic() > DEADLINE[0]:
            break
        loads.append(f"B{rnd + 1} {os.getloadavg()[0]:.2f}")
        order.append("B")
        B.append(chainlit(args, rnd, tmp))
    # f of the browser run is measured once; give it to every round's row
    for k in ("browser_first_load_total",):
        v = next((b[k] for b in B if k in b), None)
        if v:
            for b in B:
                b.setdefault(k, v)
    rows = report(A, B)
    meta = {"date": now_iso(), "rounds": len(A),
            "order": " ".join(order), "loads": ", ".join(loads)}
    print(f"\n# load average (1 min) at the start of each side: {meta['loads']}")
    if args.md_out:
        Path(args.md_out).write_text(markdown(rows, A, B, meta))
        note(f"markdown table written to {args.md_out}")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps({"meta": meta, "ours": A, "chainlit": B,
                                                   "margins": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

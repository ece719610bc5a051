#!/usr/bin/env python3
"""Benchmark of this project with the workloads of the Chainlit anchor benchmark.

    .venv/bin/python bench/run.py [--reps 3] [--services] [--json-out FILE]

It starts the product the way a user would,

    python -m daphne -b 127.0.0.1 -p PORT chatproject.asgi:application

with CHAT_ASSISTANT=bench/app.py (the anchor's reference app with its import changed
to `import chat.sdk as cl`), on the embedded default (a fresh SQLite file through
DATABASE_URL, in-memory channel layer, CHAT_VAR_DIR in a temp folder, `migrate` run
first) or, with --services, on a fresh PostgreSQL database plus Redis (unique
CHANNEL_PREFIX), and drives it over real websockets as the browser does: session
cookie, Origin header, and the JSON frames htmx's ws-send produces.

Figures (one `name: value unit` line each, then a summary over repetitions):
  server A (fresh process)
    a. cold start            spawn -> first HTTP 200 on GET /accounts/login/
    f. page weight           headless Chromium signs in, then loads the chat page
    b. echo round trip       100 sequential "echo hi" (after 5 warm-ups) on one session
       (extra) steps         50 sequential "steps" (skipped if the SDK has no cl.step)
    c. stream                one session, "stream 5000"
    d. concurrency           100 sessions send "stream 200" at once
    g. concurrency, large    1,000 sessions send "stream 200" at once
    h. long answer           "stream 40000": rate over the first vs last 5,000 tokens,
                             in a websocket client and in Chromium's DOM
  server B (fresh process)
    a. cold start, 2nd sample
    e. memory                RSS idle, then with 500 idle connected sessions

Every wait is bounded, the whole run has a deadline (--deadline), only 127.0.0.1 is
contacted, and every process started here is stopped by PID before exit.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import contextlib
import datetime as _dt
import html as htmllib
import json
import math
import os
import platform
import re
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import aiohttp
import psutil
import rates
from websockets.asyncio.client import connect as ws_connect

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SRC = ROOT  # the tree the server runs from: a snapshot copy of ROOT unless --no-snapshot
PY = sys.executable
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
RESULTS: list[tuple[str, float, str]] = []
STARTED: list[subprocess.Popen] = []  # every server started here, stopped at exit at the latest
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-gpu"]


# ------------------------------------------------------------------------------- helpers
def emit_figure(name: str, value: float, unit: str) -> None:
    RESULTS.append((name, value, unit))
    if isinstance(value, float):
        txt = f"{value:.4g}" if abs(value) < 1000 or math.isnan(value) else f"{value:.0f}"
    else:
        txt = str(value)
    print(f"{name}: {txt} {unit}", flush=True)


def now_iso() -> str:
    return _dt.datetime.now(_dt.UTC).astimezone().isoformat(timespec="seconds")


def note(msg: str) -> None:
    print(f"# {msg}", flush=True)


def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile, as in the anchor's bench."""
    if not values:
        return float("nan")
    s = sorted(values)
    return s[max(1, math.ceil(p / 100.0 * len(s))) - 1]


def med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def tree_procs(pid: int) -> list[psutil.Process]:
    try:
        p = psutil.Process(pid)
    except psutil.NoSuchProcess:
        return []
    procs = [p]
    with contextlib.suppress(psutil.NoSuchProcess):
        procs += p.children(recursive=True)
    return procs


def tree_rss(pid: int) -> int:
    total = 0
    for p in tree_procs(pid):
        with contextlib.suppress(psutil.NoSuchProcess):
            total += p.memory_info().rss
    return total


def tree_cpu(pid: int) -> float:
    total = 0.0
    for p in tree_procs(pid):
        with contextlib.suppress(psutil.NoSuchProcess):
            t = p.cpu_times()
            total += t.user + t.system
    return total


def self_cpu() -> float:
    t = psutil.Process().cpu_times()
    return t.user + t.system


def raise_nofile() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else 65536
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    note(f"open-file limit: {resource.getrlimit(resource.RLIMIT_NOFILE)}")


def in_src(path: Path) -> Path:
    """The same file inside the snapshot, if it lies in the project."""
    try:
        return SRC / path.relative_to(ROOT)
    except ValueError:
        return path


def make_snapshot() -> tuple[Path, str]:
    """Copies the working tree, so that edits made during the run do not change it."""
    dest = Path(tempfile.mkdtemp(prefix="chat-bench-src-")) / "src"
    shutil.copytree(ROOT, dest, ignore=shutil.ignore_patterns(
        ".venv", "var", ".git", "__pycache__", "*.pyc", "staticfiles", ".pytest_cache",
        ".ruff_cache", "node_modules", "*.sqlite3*"))
    def git(*a):
        r = subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True, check=False)
        return r.stdout.strip()
    changed = len([x for x in git("status", "--porcelain").splitlines() if x.strip()])
    return dest, f"HEAD {git('rev-parse', '--short', 'HEAD')} + {changed} uncommitted paths"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def expected_text(n: int) -> str:
    return "".join(f"tok{i} " for i in range(n))


def token_ends(n: int) -> list[int]:
    """ends[k] = characters of the first k+1 tokens ("tok0 tok1 ...")."""
    out, total = [], 0
    for i in range(n):
        total += len(f"tok{i} ")
        out.append(total)
    return out


def tokens_in(ends: list[int], chars: int) -> int:
    return bisect.bisect_right(ends, chars)


# ------------------------------------------------------------------- product environment
class Product:
    """A temp folder, a database (SQLite file or a fresh PostgreSQL database), env vars."""

    def __init__(self, args):
        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="chat-bench-"))
        self.pg_db: str | None = None
        self.redis_prefix: str | None = None
        self.env = dict(os.environ)
        for k in ("DATABASE_URL", "REDIS_URL", "CHANNEL_PREFIX", "SECRET_KEY", "DEBUG"):
            self.env.pop(k, None)
        self.env.update({
            "DJANGO_SETTINGS_MODULE": "chatproject.settings",
            # Local settings, as runchat runs them (DEBUG is off unless asked for).
            "DEBUG": "1",
            "CHAT_VAR_DIR": str(self.tmp / "var"),
            "CHAT_ASSISTANT": str(args.app_path),
            "PYTHONUNBUFFERED": "1",
            "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
        })
        if args.services:
            self.pg_db = "chat_bench_" + secrets.token_hex(4)
            self._pg(f'CREATE DATABASE "{self.pg_db}"')
            self.env["DATABASE_URL"] = f"postgres://root@127.0.0.1:5432/{self.pg_db}"
            self.redis_prefix = "chatbench" + secrets.token_hex(4)
            self.env["REDIS_URL"] = args.redis_url
            self.env["CHANNEL_PREFIX"] = self.redis_prefix
            self.env["CELERY_QUEUE"] = self.redis_prefix
        elif args.sqlite_url:
            # As asked in the brief. Note: settings.py gives a DATABASE_URL database none of
            # the embedded default's SQLite OPTIONS (WAL, synchronous=NORMAL, IMMEDIATE,
            # timeout), so this is slower than what a user gets with no DATABASE_URL.
            self.env["DATABASE_URL"] = f"sqlite:///{self.tmp}/db.sqlite3"
        # else: the embedded default itself, CHAT_VAR_DIR/db.sqlite3 (fresh: VAR_DIR is new)
        # A benchmark sends far faster than the per-user message limit lets a person.
        self.env["CHAT_MESSAGE_RATE_LIMIT"] = ""
        for kv in args.env:
            k, _, v = kv.partition("=")
            self.env[k] = v

    def _pg(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.args.pg_admin_url, autocommit=True, connect_timeout=10) as c:
            c.execute(sql)

    def manage(self, *argv: str, timeout: float = 300) -> str:
        r = subprocess.run([PY, str(SRC / "manage.py"), *argv], cwd=SRC, env=self.env,
                           capture_output=True, text=True, timeout=timeout, check=False)
        if r.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(argv)} failed: {r.stderr[-2000:]}")
        return r.stdout

    def seed(self, users: int, groups: dict[str, int]) -> dict:
        spec = ",".join(f"{k}={v}" for k, v in groups.items())
        r = subprocess.run([PY, str(SRC / "bench" / "seed.py"), "--users", str(users),
                            "--groups", spec], cwd=SRC, env=self.env, capture_output=True,
                           text=True, timeout=300, check=False)
        if r.returncode != 0:
            raise RuntimeError(f"seed failed: {r.stderr[-2000:]}")
        return json.loads(r.stdout)

    def cleanup(self) -> None:
        if self.pg_db:
            try:
                self._pg(f'DROP DATABASE IF EXISTS "{self.pg_db}" WITH (FORCE)')
            except Exception as e:
                note(f"could not drop database {self.pg_db}: {e!r}")
        if self.redis_prefix:
            try:
                import redis

                r = redis.Redis.from_url(self.args.redis_url, socket_timeout=10)
                keys = [*r.scan_iter(match=self.redis_prefix + "*", count=1000),
                        # the worker's queue bindings (kombu names them after the queue)
                        *r.scan_iter(match="_kombu.binding*." + self.redis_prefix, count=1000)]
                for i in range(0, len(keys), 500):
                    r.delete(*keys[i:i + 500])
                r.close()
            except Exception as e:
                note(f"could not clean Redis prefix {self.redis_prefix}: {e!r}")
        shutil.rmtree(self.tmp, ignore_errors=True)


class Server:
    def __init__(self, product: Product, args, label: str, env: dict | None = None):
        self.product = product
        self.env = {**product.env, **(env or {})}
        self.args = args
        self.port = args.port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.ws_base = f"ws://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.log_path = product.tmp / f"server-{label}.log"
        self.log = None

    def start(self) -> float:
        """Spawns daphne; returns seconds until the first HTTP 200 on /accounts/login/."""
        self.log = open(self.log_path, "ab")  # noqa: SIM115
        head = [PY, str(in_src(Path(self.args.launcher).resolve()))] if self.args.launcher \
            else [PY, "-m", "daphne"]
        cmd = [*head, "-b", "127.0.0.1", "-p", str(self.port),
               "--ping-interval", str(self.args.ping_interval),
               "--ping-timeout", str(self.args.ping_timeout), "chatproject.asgi:application"]
        t0 = time.perf_counter()
        self.proc = subprocess.Popen(cmd, cwd=SRC, env=self.env, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        STARTED.append(self.proc)
        deadline = t0 + self.args.start_timeout
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited early rc={self.proc.returncode}; "
                                   f"log: {self.log_path.read_text()[-3000:]}")
            try:
                with OPENER.open(self.base + "/accounts/login/", timeout=2) as r:
                    if r.status == 200:
                        r.read()
                        return time.perf_counter() - t0
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.02)
        raise RuntimeError("server did not answer 200 in time")

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()  # this PID only
                self.proc.wait(timeout=10)
        self.proc = None
        if self.log:
            self.log.close()
            self.log = None


def start_logged(cmd: list[str], env: dict, log_path: Path, ready: str, within: float):
    """Starts a helper process (proxy, Celery worker); waits for `ready` in its output."""
    log = open(log_path, "ab")  # noqa: SIM115
    proc = subprocess.Popen(cmd, cwd=SRC, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    STARTED.append(proc)
    deadline = time.perf_counter() + within
    while time.perf_counter() < deadline:
        if ready in log_path.read_text(errors="replace"):
            return proc, log
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    stop_proc(proc)
    log.close()
    raise RuntimeError(f"{cmd[1:4]} did not start: {log_path.read_text()[-2000:]}")


def stop_proc(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    try:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()  # this PID only
        proc.wait(timeout=10)


class Cluster:
    """Several web processes behind a non-sticky round-robin proxy (bench/proxy.py), and a
    Celery worker: what a deployment runs. Offers what the phases use of a Server (base,
    ws_base, product, pid, pids), so every phase runs against it unchanged; the CPU
    figures sum the web processes (the proxy's and the worker's are reported apart)."""

    def __init__(self, product: Product, args, label: str, webs: int):
        self.product = product
        self.args = args
        self.label = label
        self.webs = [Server(product, args, f"{label}{i + 1}") for i in range(webs)]
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.ws_base = f"ws://127.0.0.1:{self.port}"
        self.proxy = self.worker = None
        self.logs = []
        self.log_path = product.tmp / f"server-{label}1.log"

    def start(self) -> float:
        t = max(w.start() for w in self.webs)
        if len(self.webs) == 1:  # one web process is reached directly, as before
            self.port, self.base, self.ws_base = (self.webs[0].port, self.webs[0].base,
                                                  self.webs[0].ws_base)
            return t
        backends = ",".join(str(w.port) for w in self.webs)
        self.proxy, log = start_logged(
            [PY, str(SRC / "bench" / "proxy.py"), "--port", str(self.port),
             "--backends", backends], self.product.env,
            self.product.tmp / f"proxy-{self.label}.log", "listening", 30)
        self.logs.append(log)
        return t

    def start_worker(self) -> None:
        queue = self.product.env["CELERY_QUEUE"]
        self.worker, log = start_logged(
            [PY, "-m", "celery", "-A", "chatproject", "worker", "-c", "1", "-P", "prefork",
             "--without-heartbeat", "--without-gossip", "--without-mingle", "-l", "info",
             "-Q", queue, "-n", f"{queue}@%h"], self.product.env,
            self.product.tmp / f"worker-{self.label}.log", " ready.", 90)
        self.logs.append(log)

    @property
    def pid(self) -> int:
        return self.webs[0].pid

    @property
    def pids(self) -> list[int]:
        return [w.pid for w in self.webs]

    def helper_cpu(self) -> dict[str, float]:
        return {name: tree_cpu(p.pid) for name, p in
                (("proxy", self.proxy), ("worker", self.worker)) if p is not None}

    def stop(self) -> None:
        stop_proc(self.proxy)
        stop_proc(self.worker)
        self.proxy = self.worker = None
        for w in self.webs:
            w.stop()
        for log in self.logs:
            log.close()
        self.logs = []


def make_server(product: Product, args, label: str):
    return Cluster(product, args, label, args.web_procs) if args.services else \
        Server(product, args, label)


def server_rss(server) -> int:
    return sum(tree_rss(pid) for pid in getattr(server, "pids", [server.pid]))


def server_cpu(server) -> float:
    """CPU seconds of the web process(es)."""
    return sum(tree_cpu(pid) for pid in getattr(server, "pids", [server.pid]))


class Profiler:
    """Optional py-spy sampling of the server during chosen phases (--profile c,g)."""

    def __init__(self, args, pid: int, phase: str):
        self.proc = None
        self.out = None
        if phase not in args.profile:
            return
        spy = shutil.which("py-spy") or str(Path(PY).parent / "py-spy")
        if not Path(spy).exists():
            note("py-spy not installed; --profile ignored")
            return
        Path(args.profile_dir).mkdir(parents=True, exist_ok=True)
        self.out = Path(args.profile_dir) / f"pyspy-{phase}-{int(time.time())}.txt"
        extra = ["--gil"] if args.profile_gil else []
        if args.profile_seconds:
            extra += ["--duration", str(args.profile_seconds)]
        self.proc = subprocess.Popen([spy, "record", "--pid", str(pid), "--format", "raw",
                                      "--rate", str(args.profile_rate), "--nonblocking", *extra,
                                      "-o", str(self.out)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        time.sleep(0.5)

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        note(f"py-spy profile written to {self.out}")


# ------------------------------------------------------------ one chat tab, over a websocket
RUN_STATE = re.compile(r'<div id="run-state"[^>]*data-running="(true|false)"')
APPENDED = re.compile(r'<article id="m-([0-9a-f-]{36})" class="message message--(\w+)[^"]*" '
                      r'data-status="(\w+)"(.*?)</article>', re.S)
FINAL = re.compile(r'<article id="m-([0-9a-f-]{36})"[^>]*data-status="(\w+)"[^>]*'
                   r'hx-swap-oob="outerHTML">(.*?)</article>', re.S)
# A streaming answer's live text as it arrives (its first token comes inside it, as
# Chainlit's stream_start carries its first token).
STREAM_TEXT = re.compile(r'<div id="m-([0-9a-f-]{36})-text" class="message__stream">(.*?)</div>',
                         re.S)
TOKENS = re.compile(r'<span hx-swap-oob="beforeend:#m-([0-9a-f-]{36})-text">(.*?)</span>', re.S)
REPLACE = re.compile(r'<div id="m-([0-9a-f-]{36})-text" class="message__stream" '
                     r'hx-swap-oob="outerHTML">(.*?)</div>', re.S)
# The same for a message's stream: its open block's text swapped in place.
TAIL = re.compile(r'<div hx-swap-oob="innerHTML:#m-([0-9a-f-]{36})-text">(.*?)</div>', re.S)
BODY_OPEN = re.compile(r'<div class="message__body[^"]*"[^>]*>')
TAG = re.compile(r"<[^>]+>")


DIV = re.compile(r"<(/?)div\b")


# An answer too large for a frame comes with its body loaded over HTTP (hx-get): its text
# is then checked by what streamed (and by the database, see STORED_ANSWERS).
LAZY_BODY = "<body loaded over HTTP>"


def body_text(article_inner: str) -> str:
    """The text of the message's body <div> (balanced), without the tools after it."""
    m = BODY_OPEN.search(article_inner)
    if not m:
        return ""
    if "hx-get=" in m.group(0):
        return LAZY_BODY
    depth, start = 1, m.end()
    for d in DIV.finditer(article_inner, start):
        depth += -1 if d.group(1) else 1
        if depth == 0:
            return htmllib.unescape(TAG.sub("", article_inner[start:d.start()])).strip()
    return htmllib.unescape(TAG.sub("", article_inner[start:])).strip()


class Run:
    def __init__(self, text: str, track: bool = False):
        self.text = text
        self.t_emit = 0.0
        self.t_running = None     # run-state true after the emit
        self.msg_id = None        # the assistant message
        self.t_msg = None         # assistant message appended
        self.t_first_token = None
        self.t_last_token = None
        self.t_final = None       # assistant message with its final text (done re-render)
        self.final_status = None
        self.final_text = None
        self.t_end = None         # run-state false after the message
        self.parts: list[str] = []
        self.span_frames = 0
        self.chars = 0
        self.track = track
        self.samples: list[tuple[float, int]] = []  # (time, streamed chars so far)
        self.done = asyncio.Event()

    @property
    def streamed(self) -> str:
        return "".join(self.parts)


class Tab:
    """One browser tab's websocket to one thread."""

    def __init__(self, args, server: Server, thread_id: str, cookies: str):
        self.args = args
        self.server = server
        self.thread_id = thread_id
        self.cookies = cookies
        self.page_url = f"{server.base}/threads/{thread_id}/"
        self.ws = None
        self.reader: asyncio.Task | None = None
        self.run: Run | None = None
        self.snapshot = asyncio.Event()
        self.ready = asyncio.Event()
        self._saw_running = False
        self.errors: list[str] = []
        self.closed = False
        self.extensions = None

    async def open(self, limit: float = 30.0) -> None:
        self.ws = await asyncio.wait_for(ws_connect(
            f"{self.server.ws_base}/ws/threads/{self.thread_id}/",
            origin=self.server.base, additional_headers={"Cookie": self.cookies},
            compression=None if self.args.no_ws_compress else "deflate",
            proxy=None, max_size=None, ping_interval=None, open_timeout=limit,
            close_timeout=5, user_agent_header="chat-bench"), limit)
        self.extensions = self.ws.response.headers.get("Sec-WebSocket-Extensions")
        self.reader = asyncio.create_task(self._read())
        await asyncio.wait_for(self.snapshot.wait(), limit)
        # The session's start run (on_chat_start) shows running true, then false.
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.ready.wait(), 5)

    async def _read(self) -> None:
        try:
            async for frame in self.ws:
                self._frame(frame, time.perf_counter())
        except Exception as e:
            self.errors.append(f"reader: {e!r}")
        finally:
            self.closed = True
            if self.run is not None and not self.run.done.is_set():
                self.errors.append(f"socket closed during run ({self.ws.close_code})")
                self.run.done.set()

    def _frame(self, frame: str, t: float) -> None:
        if isinstance(frame, bytes):
            frame = frame.decode()
        r = self.run
        if '<div id="messages"' in frame:
            self.snapshot.set()
        if r is not None:
            if 'hx-swap-oob="beforeend:#m-' in frame:
                for mid, text in TOKENS.findall(frame):
                    if mid == r.msg_id:
                        text = htmllib.unescape(text)
                        r.parts.append(text)
                        r.chars += len(text)
                        r.span_frames += 1
                        r.t_last_token = t
                        if r.t_first_token is None:
                            r.t_first_token = t
                        if r.track:
                            r.samples.append((t, r.chars))
            if 'hx-swap-oob="beforeend:#messages"' in frame and r.msg_id is None:
                # The answer may come before the run-state frame: frames of a run are
                # pushed in the order they were stored, not in the order of the hooks.
                for mid, kind, status, inner in APPENDED.findall(frame):
                    if kind in ("assistant", "system"):
                        r.msg_id, r.t_msg = mid, t
                        if status != "streaming":
                            r.final_status, r.final_text, r.t_final = status, body_text(inner), t
                        for _mid, text in STREAM_TEXT.findall(inner):
                            if text and _mid == mid:
                                r.parts = [htmllib.unescape(text)]
                                r.chars = len(r.parts[0])
                                r.span_frames += 1
                                r.t_first_token = r.t_last_token = t
                                if r.track:
                                    r.samples.append((t, r.chars))
                        break
            replaced = 'class="message__stream"' in frame or "innerHTML:#m-" in frame
            if r.msg_id is not None and replaced:
                for mid, text in [*REPLACE.findall(frame), *TAIL.findall(frame)]:
                    if mid == r.msg_id:
                        r.parts = [htmllib.unescape(text)]
                        r.chars = len(r.parts[0])
            if 'hx-swap-oob="outerHTML">' in frame and r.msg_id is not None:
                for mid, status, inner in FINAL.findall(frame):
                    if mid == r.msg_id and status != "streaming":
                        r.final_status, r.final_text, r.t_final = status, body_text(inner), t
        for value in RUN_STATE.findall(frame):
            if r is None:
                if value == "true":
                    self._saw_running = True
                elif self._saw_running:
                    self.ready.set()
            elif value == "true" and r.t_running is None:
                r.t_running = t
            elif value == "false" and r.t_running is not None and r.t_end is None:
                r.t_end = t
                r.done.set()

    async def send(self, text: str, track: bool = False) -> Run:
        run = Run(text, track)
        self.run = run
        frame = json.dumps({
            "type": "message", "content": text, "client_id": str(uuid.uuid4()),
            "HEADERS": {"HX-Request": "true", "HX-Trigger": "composer",
                        "HX-Trigger-Name": None, "HX-Target": "composer",
                        "HX-Current-URL": self.page_url},
        })
        run.t_emit = time.perf_counter()
        await self.ws.send(frame)
        return run

    async def ask(self, text: str, limit: float, track: bool = False) -> Run:
        run = await self.send(text, track)
        await asyncio.wait_for(run.done.wait(), limit)
        return run

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            if self.ws is not None:
                await asyncio.wait_for(self.ws.close(), 10)
        if self.reader is not None:
            self.reader.cancel()
            with contextlib.suppress(BaseException):
                await self.reader


def check_stream(run: Run, n: int) -> str:
    """'' if the run delivered all n tokens right, else what went wrong."""
    exp = expected_text(n)
    if run.t_end is None:
        return "no run end"
    if run.final_text is None or run.final_status != "done":
        return f"no final message (status {run.final_status})"
    if run.final_text not in (exp.strip(), LAZY_BODY):
        return f"final text wrong ({len(run.final_text.split())} tokens)"
    got = run.streamed
    if got == exp:
        return ""
    if exp.startswith(got):
        return "tail-unstreamed"
    return "spans-mismatch"


# The newest assistant message of each thread, as the database has it: {thread: [status,
# content]}. Reads the thread ids as JSON on stdin; the same on SQLite and PostgreSQL.
STORED_ANSWERS = """
import json, sys
from chat.models import Message
answers = {}
for thread_id in json.load(sys.stdin):
    row = (Message.objects.filter(thread_id=thread_id, author_kind="assistant")
           .order_by("-order").values_list("status", "content").first())
    answers[thread_id] = list(row) if row else None
print(json.dumps(answers))
"""


def stored_answers(product: Product, thread_ids: list[str]) -> dict[str, list[str] | None]:
    """What the database holds as each thread's last answer (the source of truth)."""
    if not thread_ids:
        return {}
    r = subprocess.run([PY, str(SRC / "manage.py"), "shell", "-c", STORED_ANSWERS], cwd=SRC,
                       env=product.env, input=json.dumps(thread_ids), capture_output=True,
                       text=True, timeout=300, check=False)
    if r.returncode != 0:
        raise RuntimeError(f"reading the answers failed: {r.stderr[-2000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


async def settled_answers(product: Product, thread_ids: list[str], limit: float = 180):
    """The threads' last answers once none is still streaming (a slow answer is not a
    failed one), or as they stand after `limit` seconds."""
    deadline = time.perf_counter() + limit
    while True:
        stored = await asyncio.to_thread(stored_answers, product, thread_ids)
        streaming = [t for t, row in stored.items() if row and row[0] == "streaming"]
        if not streaming or time.perf_counter() > deadline:
            return stored
        await asyncio.sleep(2)


def stored_complete(stored: list[str] | None, n: int) -> bool:
    return stored is not None and stored[0] == "done" and stored[1].strip() == \
        expected_text(n).strip()


async def open_many(args, server: Server, pairs: list[dict], batch: int, limit: float):
    tabs: list[Tab] = []
    failures = 0
    sem = asyncio.Semaphore(batch)

    async def one(p):
        nonlocal failures
        t = Tab(args, server, p["thread"], f"sessionid={p['sessionid']}")
        async with sem:
            try:
                await t.open(limit)
                tabs.append(t)
            except Exception as e:
                failures += 1
                if failures <= 3:
                    note(f"session open failed: {e!r}")
                await t.close()

    await asyncio.gather(*(one(p) for p in pairs))
    return tabs, failures


async def close_many(tabs: list[Tab]) -> None:
    sem = asyncio.Semaphore(50)

    async def one(t):
        async with sem:
            await t.close()

    await asyncio.gather(*(one(t) for t in tabs))


async def sign_in(server: Server, email: str, password: str) -> tuple[str, str, str]:
    """The allauth form, as a browser posts it; returns (cookie header, thread id, page url)."""
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as http:
        async with http.get(server.base + "/accounts/login/") as r:
            page = await r.text()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        async with http.post(server.base + "/accounts/login/",
                             data={"login": email, "password": password,
                                   "csrfmiddlewaretoken": token},
                             headers={"Referer": server.base + "/accounts/login/",
                                      "Origin": server.base}) as r:
            await r.read()
        # GET / redirects to the user's draft thread, then the page itself.
        async with http.get(server.base + "/") as r:
            await r.read()
            url = str(r.url)
            if r.status != 200 or "/threads/" not in url:
                raise RuntimeError(f"sign-in failed: {r.status} {url}")
        cookies = "; ".join(f"{c.key}={c.value}" for c in jar)
    thread_id = url.rstrip("/").rsplit("/", 1)[1]
    return cookies, thread_id, url


# ----------------------------------------------------------------------------------- phases
async def phase_echo_steps(args, server: Server, seed: dict) -> None:
    login = seed["login"]
    cookies, thread_id, _ = await sign_in(server, login["email"], login["password"])
    tab = Tab(args, server, thread_id, cookies)
    await tab.open()
    note(f"websocket extensions negotiated: {tab.extensions!r} "
         f"(client offered permessage-deflate: {not args.no_ws_compress})")
    emit_figure("ws_permessage_deflate", 1 if tab.extensions and "deflate" in tab.extensions
                else 0, "bool")
    try:
        for _ in range(args.warmup):
            await tab.ask("echo warm", 10)
        reply, done = [], []
        prof = Profiler(args, server.pid, "b")
        c0 = server_cpu(server)
        for _ in range(args.echo_n):
            r = await tab.ask("echo hi", 10)
            if r.t_final is None or r.final_text != "hi":
                raise RuntimeError(f"echo reply missing or wrong: {r.final_text!r}")
            reply.append((r.t_final - r.t_emit) * 1000)
            done.append((r.t_end - r.t_emit) * 1000)
        c1 = server_cpu(server)
        prof.stop()
        emit_figure("echo_rtt_median", med(reply), "ms")
        emit_figure("echo_rtt_p95", pct(reply, 95), "ms")
        emit_figure("echo_to_run_end_median", med(done), "ms")
        emit_figure("echo_server_cpu_per_message", (c1 - c0) * 1000 / args.echo_n, "ms")
        if args.steps_n and args.has_step:
            steps = []
            prof = Profiler(args, server.pid, "steps")
            c0 = server_cpu(server)
            for _ in range(args.steps_n):
                r = await tab.ask("steps", 10)
                if r.final_text != "steps done: NESTED":
                    raise RuntimeError(f"steps reply wrong: {r.final_text!r}")
                steps.append((r.t_end - r.t_emit) * 1000)
            c1 = server_cpu(server)
            prof.stop()
            emit_figure("steps_server_cpu_per_message", (c1 - c0) * 1000 / args.steps_n, "ms")
            emit_figure("steps_rtt_median", med(steps), "ms")
            emit_figure("steps_rtt_p95", pct(steps, 95), "ms")
        elif not args.has_step:
            note("steps workload skipped: chat.sdk has no cl.step")
    finally:
        await tab.close()


async def phase_stream(args, server: Server, pair: dict) -> None:
    tab = Tab(args, server, pair["thread"], f"sessionid={pair['sessionid']}")
    await tab.open()
    try:
        await tab.ask("echo warm", 10)
        n = args.stream_tokens
        prof = Profiler(args, server.pid, "c")
        c0, k0 = server_cpu(server), self_cpu()
        r = await tab.ask(f"stream {n}", args.stream_timeout)
        c1, k1 = server_cpu(server), self_cpu()
        prof.stop()
        problem = check_stream(r, n)
        if problem and problem != "tail-unstreamed":
            raise RuntimeError(f"stream {n}: {problem}")
        streamed_tokens = len(r.streamed.split(" ")) - 1
        first = r.t_first_token or r.t_final
        total = r.t_final - r.t_emit
        emit_figure("stream_ttft", (first - r.t_emit) * 1000, "ms")
        emit_figure("stream_tokens_per_s", n / total, "tok/s")
        emit_figure("stream_total", total, "s")
        span = (r.t_last_token - r.t_first_token) if r.t_first_token else 0
        emit_figure("stream_token_phase_rate", streamed_tokens / span if span > 0
                    else float("nan"), "tok/s")
        emit_figure("stream_frames", r.span_frames, "frames")
        emit_figure("stream_tokens_only_in_final_render", n - streamed_tokens, "tokens")
        emit_figure("stream_server_cpu", c1 - c0, "s")
        emit_figure("stream_client_cpu", k1 - k0, "s")
    finally:
        await tab.close()


async def phase_concurrency(args, server: Server, pairs: list[dict], tok: int,
                            prefix: str, profile_key: str) -> None:
    n = len(pairs)
    t0 = time.perf_counter()
    tabs, open_fail = await open_many(args, server, pairs, args.connect_batch, 60)
    emit_figure(f"{prefix}_connect_all", time.perf_counter() - t0, "s")
    try:
        prof = Profiler(args, server.pid, profile_key)
        c0, k0 = server_cpu(server), self_cpu()
        h0 = server.helper_cpu() if hasattr(server, "helper_cpu") else {}
        start = time.perf_counter()
        cpu_clock = CpuClock(server)
        runs = await asyncio.gather(*(t.send(f"stream {tok}") for t in tabs))

        async def wait(run: Run):
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(run.done.wait(), args.conc_timeout)

        await asyncio.gather(*(wait(r) for r in runs))
        wall = time.perf_counter() - start
        c1, k1 = server_cpu(server), self_cpu()
        cpu_clock.cancel()
        prof.stop()
        ok, ttft = [], []
        kinds: dict[str, int] = {}
        strict_fail = open_fail
        final_fail = open_fail
        examples: dict[str, int] = {}
        # A client that missed an answer's end (a frame it did not read in time, a socket
        # that closed) is not a failed answer: an answer failed only if the database says
        # so. What only the client missed is counted apart.
        # ("tail-unstreamed" is no failure either way: the final text was right.)
        seen = {t.thread_id: check_stream(r, tok) or ("; ".join(t.errors) if t.errors else "")
                for t, r in zip(tabs, runs, strict=True)}
        doubtful = [t for t, bad in seen.items() if bad and bad != "tail-unstreamed"]
        stored = await settled_answers(server.product, doubtful)
        client_only = 0
        for t, r in zip(tabs, runs, strict=True):
            problem = seen[t.thread_id]
            if t.thread_id in stored and stored_complete(stored[t.thread_id], tok):
                client_only += 1
                problem = ""
            kind = problem.split("(")[0].strip()
            if problem and problem != "tail-unstreamed" and examples.get(kind, 0) < 3:
                examples[kind] = examples.get(kind, 0) + 1
                exp = expected_text(tok)
                got = r.streamed
                pairs = zip(got, exp, strict=False)
                cut = next((i for i, (a, b) in enumerate(pairs) if a != b), None)
                note(f"{prefix} example [{problem}] thread {t.thread_id}: "
                     f"final {len((r.final_text or '').split())} tokens status {r.final_status}; "
                     f"spans {len(got.split())} tokens in {r.span_frames} frames, first "
                     f"difference at char {cut}: {got[max(0, (cut or 0) - 20):(cut or 0) + 20]!r}"
                     f"; errors {t.errors[:2]}")
            if problem:
                strict_fail += 1
                kinds[problem.split("(")[0].strip()] = kinds.get(problem.split("(")[0].strip(),
                                                                 0) + 1
                if problem != "tail-unstreamed":
                    final_fail += 1
            if r.t_end is not None and r.final_text == expected_text(tok).strip():
                ok.append(r.t_end - start)
                ttft.append((r.t_first_token or r.t_final) - start)
        emit_figure(f"{prefix}_sessions", n, "sessions")
        emit_figure(f"{prefix}_wall", wall, "s")
        emit_figure(f"{prefix}_p50", med(ok), "s")
        emit_figure(f"{prefix}_p95", pct(ok, 95), "s")
        emit_figure(f"{prefix}_failures", strict_fail, "sessions")
        emit_figure(f"{prefix}_failures_final_text", final_fail, "sessions")
        emit_figure(f"{prefix}_missed_by_client_only", client_only, "sessions")
        emit_figure(f"{prefix}_tail_unstreamed", kinds.get("tail-unstreamed", 0), "sessions")
        if kinds:
            note(f"{prefix} problems: {kinds}")
        frames = [r.span_frames for r in runs]
        emit_figure(f"{prefix}_token_frames_total", sum(frames), "frames")
        emit_figure(f"{prefix}_token_frames_per_session_max", max(frames, default=0), "frames")
        emit_figure(f"{prefix}_ttft_p50", med(ttft) * 1000, "ms")
        emit_figure(f"{prefix}_ttft_p95", pct(ttft, 95) * 1000, "ms")
        # The same moments in the server's CPU seconds since the sends: what a busy machine
        # moves little (a server given a whole core would show them as wall time).
        ttft_cpu = [cpu_clock.cpu_at(start + t) - c0 for t in ttft]
        emit_figure(f"{prefix}_ttft_server_cpu_p50", med(ttft_cpu), "s")
        emit_figure(f"{prefix}_ttft_server_cpu_p95", pct(ttft_cpu, 95), "s")
        emit_figure(f"{prefix}_server_cpu_per_session", (c1 - c0) / max(n, 1) * 1000, "ms")
        emit_figure(f"{prefix}_tokens_per_s_aggregate", len(ok) * tok / wall, "tok/s")
        emit_figure(f"{prefix}_server_cpu", c1 - c0, "s")
        emit_figure(f"{prefix}_client_cpu", k1 - k0, "s")
        for name, cpu in (server.helper_cpu() if h0 else {}).items():
            emit_figure(f"{prefix}_{name}_cpu", cpu - h0.get(name, 0.0), "s")
    finally:
        await close_many(tabs)


class CpuClock:
    """The server's CPU seconds sampled against wall time, to read any moment's CPU."""

    def __init__(self, server, every: float = 0.01) -> None:
        self.server = server
        self.samples: list[tuple[float, float]] = [(time.perf_counter(), server_cpu(server))]
        self.task = asyncio.get_running_loop().create_task(self._sample(every))

    async def _sample(self, every: float) -> None:
        while True:
            await asyncio.sleep(every)
            self.samples.append((time.perf_counter(), server_cpu(self.server)))

    def cancel(self) -> None:
        self.task.cancel()
        self.samples.append((time.perf_counter(), server_cpu(self.server)))

    def cpu_at(self, moment: float) -> float:
        at = bisect.bisect_left(self.samples, (moment, float("-inf")))
        if at == 0:
            return self.samples[0][1]
        if at >= len(self.samples):
            return self.samples[-1][1]
        (t0, c0), (t1, c1) = self.samples[at - 1], self.samples[at]
        return c0 + (c1 - c0) * ((moment - t0) / (t1 - t0) if t1 > t0 else 1.0)


def window_rates(samples: list[tuple[float, int]], t_full: float, n: int, w: int):
    """(first-window, last-window) tokens/s from (time, chars) samples; t_full = all n there.

    See rates.py for how a frame of many tokens is read."""
    ends = token_ends(n)
    pts = [(t, tokens_in(ends, c)) for t, c in samples]
    if pts and pts[-1][1] < n:  # the tail only arrived with the final render
        pts.append((t_full, n))
    return rates.window_rates(pts, n, w)


async def phase_long_stream(args, server: Server, pair: dict, command: str | None = None,
                            prefix: str = "long") -> None:
    tab = Tab(args, server, pair["thread"], f"sessionid={pair['sessionid']}")
    await tab.open()
    try:
        n, w = args.long_tokens, args.long_window
        prof = Profiler(args, server.pid, "h")
        c0 = server_cpu(server)
        r = await tab.ask(command or f"stream {n}", args.long_timeout, track=True)
        c1 = server_cpu(server)
        prof.stop()
        problem = check_stream(r, n)
        if problem and problem != "tail-unstreamed":
            raise RuntimeError(f"stream {n}: {problem}")
        t_full = r.t_last_token if not problem else r.t_final
        r_first, r_last = window_rates(r.samples, t_full, n, w)
        emit_figure(f"{prefix}_client_tokens_per_s", n / (r.t_final - r.t_emit), "tok/s")
        emit_figure(f"{prefix}_client_first_window_rate", r_first, "tok/s")
        emit_figure(f"{prefix}_client_last_window_rate", r_last, "tok/s")
        emit_figure(f"{prefix}_client_last_over_first", r_last / r_first, "")
        emit_figure(f"{prefix}_client_ttft",
                    ((r.t_first_token or r.t_final) - r.t_emit) * 1000, "ms")
        emit_figure(f"{prefix}_client_frames", r.span_frames, "frames")
        emit_figure(f"{prefix}_server_cpu", c1 - c0, "s")
    finally:
        await tab.close()


# ------------------------------------------------------------------------------ Chromium
OBSERVER_JS = """
() => {
  const h = window.__bench = {samples: [], final: null, id: null, t0: 0, streamLen: 0};
  const mo = new MutationObserver((records) => {
    const t = performance.now();
    let added = 0;
    for (const r of records) {
      const tgt = r.target;
      if (tgt.nodeType === 1 && tgt.classList.contains('message__stream')) {
        for (const n of r.addedNodes) added += (n.textContent || '').length;
      }
      for (const n of r.addedNodes) {
        if (n.nodeType === 1 && n.matches && n.matches('article.message--assistant')) {
          if (n.dataset.status === 'done') {
            const body = n.querySelector('.message__body');
            h.final = {t: t, len: body ? body.textContent.length : 0};
          } else if (!h.id) { h.id = n.id; h.tArticle = t; }
        }
      }
    }
    if (added) { h.streamLen += added; h.samples.push([t, h.streamLen]); }
  });
  mo.observe(document.body, {childList: true, subtree: true});
}
"""

SEND_JS = """
(text) => {
  const box = document.getElementById('message-input');
  box.value = text;
  window.__bench.t0 = performance.now();
  box.form.requestSubmit();
}
"""


def browser_partial(h: dict, n: int, w: int, prefix: str, limit: float) -> None:
    """The page did not show the whole answer in time: rates over what it did show."""
    ends = token_ends(n)
    pts = [(t / 1000, tokens_in(ends, c)) for t, c in h["samples"]]
    emit_figure(f"{prefix}_browser_timed_out_after", limit, "s")
    if not pts:
        return
    reached = pts[-1][1]
    emit_figure(f"{prefix}_browser_tokens_reached", reached, "tokens")
    if reached < 2 * w:
        w = max(1, reached // 2)
        emit_figure(f"{prefix}_browser_window_used", w, "tokens")
    t0, k0 = pts[0]
    first = next(p for p in pts if p[1] >= w)
    last_from = next(p for p in pts if p[1] >= reached - w)
    r_first = (first[1] - k0) / (first[0] - t0) if first[0] > t0 else float("nan")
    r_last = ((reached - last_from[1]) / (pts[-1][0] - last_from[0])
              if pts[-1][0] > last_from[0] else float("nan"))
    emit_figure(f"{prefix}_browser_first_window_rate", r_first, "tok/s")
    emit_figure(f"{prefix}_browser_last_window_rate", r_last, "tok/s")
    emit_figure(f"{prefix}_browser_last_over_first", r_last / r_first, "")
    emit_figure(f"{prefix}_browser_ttft", (t0 - h["t0"] / 1000) * 1000, "ms")


async def _browser_sign_in(page, server: Server, email: str, password: str) -> None:
    await page.goto(server.base + "/accounts/login/", timeout=30000)
    await page.fill("input[name=login]", email)
    await page.fill("input[name=password]", password)
    async with page.expect_navigation(timeout=30000):
        await page.click("form [type=submit]")
    await page.wait_for_selector("#connection[data-state=open]", state="attached",
                                 timeout=30000)


async def phase_browser(args, server: Server, seed: dict, which: str,
                        command: str | None = None, prefix: str = "long") -> None:
    """which='f': page weight of the chat page after sign-in; 'h': 40k tokens in the DOM."""
    from playwright.async_api import async_playwright

    login = seed["browser_login"]
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=args.chromium,
                                          args=CHROMIUM_FLAGS, timeout=60000)
        try:
            ctx = await browser.new_context(viewport={"width": 1280, "height": 900})
            page = await ctx.new_page()
            cdp = await ctx.new_cdp_session(page)
            await cdp.send("Network.enable")
            await cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
            if which == "f":
                reqs: list = []
                page.on("requestfinished", lambda r: reqs.append(r))
                await _browser_sign_in(page, server, login["email"], login["password"])
                login_reqs, reqs[:] = list(reqs), []
                await page.goto(server.base + "/", timeout=30000)
                await page.wait_for_selector("#connection[data-state=open]", state="attached",
                                             timeout=30000)
                with contextlib.suppress(Exception):
                    await page.wait_for_load_state("networkidle", timeout=10000)
                await asyncio.sleep(0.5)

                async def total(rs):
                    body = wire = decoded = 0
                    local = [r for r in rs if r.url.startswith(server.base)]
                    for r in local:
                        s = await r.sizes()
                        body += s["responseBodySize"]
                        wire += s["responseBodySize"] + s["responseHeadersSize"]
                        resp = await r.response()
                        with contextlib.suppress(Exception):
                            decoded += len(await resp.body())
                    return local, body, wire, decoded

                local, body, wire, decoded = await total(reqs)
                for r in local:
                    s = await r.sizes()
                    resp = await r.response()
                    note(f"page request {r.method} {r.url[len(server.base):][:70]} -> "
                         f"{resp.status if resp else '-'} body {s['responseBodySize']} B, "
                         f"headers {s['responseHeadersSize']} B, "
                         f"enc={resp.headers.get('content-encoding') if resp else None}")
                emit_figure("page_requests", len(local), "requests")
                emit_figure("page_bytes_body", body / 1024, "KiB")
                emit_figure("page_bytes_wire", wire / 1024, "KiB")
                emit_figure("page_bytes_decoded", decoded / 1024, "KiB")
                _, _lbody, lwire, _ = await total(login_reqs)
                emit_figure("page_login_flow_bytes_wire", lwire / 1024, "KiB")
                if args.shot:
                    await page.screenshot(path=args.shot)
            else:
                n, w = args.long_tokens, args.long_window
                await _browser_sign_in(page, server, login["email"], login["password"])
                await page.wait_for_selector("#run-state[data-running=false]", state="attached",
                                             timeout=30000)
                await asyncio.sleep(0.5)
                await page.evaluate(OBSERVER_JS)
                await page.evaluate(SEND_JS, command or f"stream {n}")
                try:
                    await page.wait_for_function("() => window.__bench.final !== null",
                                                 timeout=args.long_timeout * 1000, polling=250)
                except Exception:  # report how far the page got
                    h = await page.evaluate("() => window.__bench")
                    browser_partial(h, n, w, prefix, args.long_timeout)
                    return
                h = await page.evaluate("() => window.__bench")
                final, t0 = h["final"], h["t0"]
                samples = [(t / 1000, c) for t, c in h["samples"]]
                ends = token_ends(n)
                full_by_spans = samples and tokens_in(ends, samples[-1][1]) >= n
                t_full = next(t for t, c in samples if tokens_in(ends, c) >= n) \
                    if full_by_spans else final["t"] / 1000
                r_first, r_last = window_rates(samples, t_full, n, w)
                emit_figure(f"{prefix}_browser_final_text_chars", final["len"], "chars")
                emit_figure(f"{prefix}_browser_total", final["t"] / 1000 - t0 / 1000, "s")
                emit_figure(f"{prefix}_browser_tokens_per_s", n / (t_full - t0 / 1000), "tok/s")
                emit_figure(f"{prefix}_browser_ttft",
                            (samples[0][0] - t0 / 1000) * 1000 if samples else float("nan"), "ms")
                emit_figure(f"{prefix}_browser_first_window_rate", r_first, "tok/s")
                emit_figure(f"{prefix}_browser_last_window_rate", r_last, "tok/s")
                emit_figure(f"{prefix}_browser_last_over_first", r_last / r_first, "")
                emit_figure(f"{prefix}_browser_dom_appends", len(samples), "mutations")
        finally:
            await browser.close()


async def phase_memory(args, server: Server, pairs: list[dict]) -> None:

    async def settle_rss(seconds: float) -> int:
        await asyncio.sleep(seconds)
        vals = []
        for _ in range(5):
            vals.append(server_rss(server))
            await asyncio.sleep(0.2)
        return int(statistics.median(vals))

    idle = await settle_rss(2.0)
    emit_figure("mem_idle_rss", idle / 1024 / 1024, "MiB")
    warm_n = 10
    t0 = time.perf_counter()
    first, f1 = await open_many(args, server, pairs[:warm_n], args.connect_batch, 60)
    connect_s = time.perf_counter() - t0
    rss_warm = await settle_rss(1.0)
    t0 = time.perf_counter()
    rest, f2 = await open_many(args, server, pairs[warm_n:], args.connect_batch, 60)
    connect_s += time.perf_counter() - t0
    tabs = first + rest
    try:
        rss_n = await settle_rss(3.0)
        live = sum(1 for t in tabs if not t.closed)
        emit_figure("mem_sessions_connected", live, "sessions")
        emit_figure("mem_connect_failures", f1 + f2, "sessions")
        emit_figure("mem_connect_time", connect_s, "s")
        emit_figure("mem_rss_with_sessions", rss_n / 1024 / 1024, "MiB")
        emit_figure("mem_per_session", (rss_n - idle) / 1024 / max(live, 1), "KiB")
        emit_figure("mem_per_session_marginal",
                    (rss_n - rss_warm) / 1024 / max(live - warm_n, 1), "KiB")
        emit_figure("mem_open_fds_server", sum(p.num_fds() for pid in
                                               getattr(server, "pids", [server.pid])
                                               for p in tree_procs(pid)), "fds")
    finally:
        await close_many(tabs)


async def phase_idle_scale(args, product: Product, pairs: list[dict]) -> None:
    """(i) Many idle signed-in sockets on one web process, with permessage-deflate
    negotiated and without (a fresh process each): memory per socket, and the process's
    CPU while they sit idle."""
    for variant, no_compress in (("deflate", False), ("plain", True)):
        vargs = argparse.Namespace(**{**vars(args), "no_ws_compress": no_compress})
        srv = Server(product, vargs, f"I-{variant}")
        try:
            await asyncio.to_thread(srv.start)
            await asyncio.sleep(2.0)
            idle = statistics.median([tree_rss(srv.pid) for _ in range(5)])
            t0 = time.perf_counter()
            tabs, failed = await open_many(vargs, srv, pairs, args.connect_batch, 120)
            connect_s = time.perf_counter() - t0
            try:
                await asyncio.sleep(5.0)
                live = sum(1 for t in tabs if not t.closed)
                rss = statistics.median([tree_rss(srv.pid) for _ in range(5)])
                negotiated = sum(1 for t in tabs if t.extensions and "deflate" in t.extensions)
                p = f"idle_{variant}"
                emit_figure(f"{p}_sockets_open", live, "sockets")
                emit_figure(f"{p}_connect_failures", failed, "sockets")
                emit_figure(f"{p}_deflate_negotiated", negotiated, "sockets")
                emit_figure(f"{p}_connect_time", connect_s, "s")
                emit_figure(f"{p}_server_rss_idle", idle / 1024 / 1024, "MiB")
                emit_figure(f"{p}_server_rss", rss / 1024 / 1024, "MiB")
                emit_figure(f"{p}_per_socket", (rss - idle) / 1024 / max(live, 1), "KiB")
                emit_figure(f"{p}_server_fds", sum(x.num_fds() for x in tree_procs(srv.pid)),
                            "fds")
                emit_figure(f"{p}_loadavg_1m", os.getloadavg()[0], "")
                prof = Profiler(args, srv.pid, "i")
                c0, w0 = tree_cpu(srv.pid), time.perf_counter()
                await asyncio.sleep(args.idle_cpu_seconds)
                c1, w1 = tree_cpu(srv.pid), time.perf_counter()
                prof.stop()
                emit_figure(f"{p}_server_cpu", 100 * (c1 - c0) / (w1 - w0), "% of a core")
                emit_figure(f"{p}_still_open", sum(1 for t in tabs if not t.closed), "sockets")
            finally:
                await close_many(tabs)
        finally:
            srv.stop()


# ----------------------------------------------------------------------------------- driver
async def guarded(name: str, coro) -> None:
    """Runs one phase; a failure is reported as a figure and the next phase goes on."""
    try:
        await coro
    except asyncio.CancelledError:
        raise
    except Exception as e:
        note(f"phase {name} FAILED: {e!r}")
        emit_figure(f"phase_failed_{name}", 1, "")


def want(args, phase: str) -> bool:
    return phase in args.phases


async def one_rep(args) -> list[tuple[str, float, str]]:
    RESULTS.clear()
    emit_figure("loadavg_1m_at_start", os.getloadavg()[0], "")
    product = Product(args)
    servers: list[Server] = []
    try:
        product.manage("migrate", "--noinput", "-v", "0")
        groups = {"c": 1, "h": 1, "p": 1, "d": args.conc_sessions,
                  "g": args.big_sessions if want(args, "g") else 0,
                  "e": args.idle_sessions, "i": args.idle_scale if want(args, "i") else 0}
        seed = await asyncio.to_thread(product.seed, max(groups.values()), groups)
        srv = make_server(product, args, "A")
        servers.append(srv)
        emit_figure("cold_start", await asyncio.to_thread(srv.start), "s")
        if args.services:
            await asyncio.to_thread(srv.start_worker)
        note(f"server A pid {srv.pid} port {srv.port}")
        if want(args, "f"):
            await guarded("f", phase_browser(args, srv, seed, "f"))
        if want(args, "b"):
            await guarded("b", phase_echo_steps(args, srv, seed))
        if want(args, "c"):
            await guarded("c", phase_stream(args, srv, seed["threads"]["c"][0]))
        if want(args, "d"):
            emit_figure("loadavg_1m_before_d", os.getloadavg()[0], "")
            await guarded("d", phase_concurrency(args, srv, seed["threads"]["d"],
                                                 args.conc_tokens, "conc", "d"))
        if want(args, "h"):
            await guarded("h", phase_long_stream(args, srv, seed["threads"]["h"][0]))
            if args.chromium:
                await guarded("h_browser", phase_browser(args, srv, seed, "h"))
        if want(args, "h") and args.paced_rate:
            # (extra) the same long answer at a fixed rate, from a bench-only assistant
            # on its own server: it spans hundreds of frames, so the windows can be timed.
            paced = Server(product, args, "P", env={"CHAT_ASSISTANT": str(args.paced_app)})
            servers.append(paced)
            await asyncio.to_thread(paced.start)
            cmd = f"paced {args.long_tokens} {args.paced_rate}"
            await guarded("h_paced", phase_long_stream(args, paced, seed["threads"]["p"][0],
                                                       cmd, "paced"))
            if args.chromium:
                await guarded("h_paced_browser",
                              phase_browser(args, paced, seed, "h", cmd, "paced"))
            paced.stop()
        if want(args, "g"):
            # Last on server A: it is the phase most likely to leave a backlog behind.
            emit_figure("loadavg_1m_before_g", os.getloadavg()[0], "")
            await guarded("g", phase_concurrency(args, srv, seed["threads"]["g"],
                                                 args.big_tokens, "big", "g"))
        emit_figure("server_rss_after_load", server_rss(srv) / 1024 / 1024, "MiB")
        srv.stop()
        if want(args, "e"):
            srv = make_server(product, args, "B")
            servers.append(srv)
            emit_figure("cold_start_2", await asyncio.to_thread(srv.start), "s")
            note(f"server B pid {srv.pid} port {srv.port}")
            await guarded("e", phase_memory(args, srv, seed["threads"]["e"]))
            srv.stop()
        if want(args, "i"):
            await guarded("i", phase_idle_scale(args, product, seed["threads"]["i"]))
    finally:
        for s in servers:
            s.stop()
        if args.keep_logs:
            for s in servers:
                with contextlib.suppress(Exception):
                    shutil.copy(s.log_path, Path(args.keep_logs) / s.log_path.name)
        product.cleanup()
    return list(RESULTS)


def summarize(reps: list[list[tuple[str, float, str]]]) -> dict:
    names, units, vals = [], {}, {}
    for rep in reps:
        for name, v, u in rep:
            if name not in vals:
                names.append(name)
                vals[name], units[name] = [], u
            vals[name].append(v)
    out = {}
    print(f"\n# ===== summary over {len(reps)} repetition(s): median (min .. max) =====")
    for name in names:
        v = [x for x in vals[name] if not (isinstance(x, float) and math.isnan(x))] or [math.nan]
        m = statistics.median(v)
        out[name] = {"median": m, "min": min(v), "max": max(v), "values": vals[name],
                     "unit": units[name]}
        print(f"{name}: {m:.4g} {units[name]}  ({min(v):.4g} .. {max(v):.4g}, n={len(v)})")
    return out


def has_cl_step(env: dict) -> bool:
    code = ("import django; django.setup(); import chat.sdk as cl; "
            "print(callable(getattr(cl, 'step', None)))")
    r = subprocess.run([PY, "-c", code], cwd=SRC, env=env, capture_output=True, text=True,
                       timeout=60, check=False)
    return r.stdout.strip().endswith("True")


def _stop_leftovers() -> None:
    for proc in STARTED:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)  # by PID: only processes started here
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def main() -> int:
    import atexit

    atexit.register(_stop_leftovers)
    # compare.py (or a user) stops a run with SIGTERM: unwind, so every finally block
    # stops its server and drops its database.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--services", action="store_true",
                    help="PostgreSQL (fresh database) + Redis channel layer")
    ap.add_argument("--sqlite-url", action="store_true",
                    help="give the SQLite file through DATABASE_URL=sqlite:///... instead of "
                         "the embedded default (CHAT_VAR_DIR/db.sqlite3); see README")
    ap.add_argument("--pg-admin-url", default="postgresql://root@127.0.0.1:5432/postgres")
    ap.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    ap.add_argument("--web-procs", type=int, default=1,
                    help="with --services: web processes; more than 1 are reached through a "
                         "round-robin proxy without sticky sessions (bench/proxy.py)")
    ap.add_argument("--app", default=str(HERE / "app.py"))
    ap.add_argument("--port", type=int, default=0, help="0: a free port")
    ap.add_argument("--phases", default="a,b,c,d,e,f,g,h",
                    help="subset of a,b,c,d,e,f,g,h,i (a is always measured; i, idle "
                         "sockets at scale, only when asked for)")
    ap.add_argument("--no-ws-compress", action="store_true",
                    help="do not offer permessage-deflate (browsers do)")
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--echo-n", type=int, default=100)
    ap.add_argument("--steps-n", type=int, default=50)
    ap.add_argument("--stream-tokens", type=int, default=5000)
    ap.add_argument("--stream-timeout", type=float, default=120)
    ap.add_argument("--conc-sessions", type=int, default=100)
    ap.add_argument("--conc-tokens", type=int, default=200)
    ap.add_argument("--conc-timeout", type=float, default=180)
    ap.add_argument("--big-sessions", type=int, default=1000)
    ap.add_argument("--big-tokens", type=int, default=200)
    ap.add_argument("--long-tokens", type=int, default=40000)
    ap.add_argument("--long-window", type=int, default=5000)
    ap.add_argument("--long-timeout", type=float, default=300)
    ap.add_argument("--paced-rate", type=int, default=2000,
                    help="(extra, h) tokens/s of the paced long answer; 0 skips it")
    ap.add_argument("--idle-sessions", type=int, default=500)
    ap.add_argument("--idle-scale", type=int, default=10000,
                    help="(i) idle signed-in sockets on one web process; each side needs as "
                         "many open files (ulimit -n; raised to the hard limit here)")
    ap.add_argument("--idle-cpu-seconds", type=float, default=30.0)
    # daphne's websocket keep-alive, as docker-compose.yml starts it (daphne's own: 20, 30)
    ap.add_argument("--ping-interval", type=int, default=50)
    ap.add_argument("--ping-timeout", type=int, default=30)
    ap.add_argument("--connect-batch", type=int, default=20)
    ap.add_argument("--start-timeout", type=float, default=60)
    ap.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    ap.add_argument("--no-browser", action="store_true", help="skip the Chromium parts")
    ap.add_argument("--shot", default=None, help="screenshot of the first load (PNG path)")
    ap.add_argument("--env", action="append", default=[],
                    help="extra KEY=VALUE for the server (e.g. CHAT_STREAM_FRAME_MS=20)")
    ap.add_argument("--launcher", default=None,
                    help="diagnostics: start the server with this script instead of "
                         "`-m daphne` (e.g. bench/launch_patched.py with BENCH_PATCHES=...)")
    ap.add_argument("--profile", default="", help="phases to sample with py-spy: b,steps,c,d,g,h,i")
    ap.add_argument("--profile-dir", default="/tmp")  # noqa: S108
    ap.add_argument("--profile-rate", type=int, default=250, help="py-spy samples a second")
    ap.add_argument("--profile-seconds", type=int, default=0,
                    help="sample only the first N seconds of each profiled phase (its start)")
    ap.add_argument("--profile-gil", action="store_true",
                    help="py-spy --gil: sample only the thread holding the GIL (Python CPU)")
    ap.add_argument("--keep-logs", default=None, help="copy server logs to this folder")
    ap.add_argument("--src", default=None,
                    help="run the server from this copy of the project (e.g. one made by "
                         "bench/snapshot.sh), instead of a fresh snapshot of the tree")
    ap.add_argument("--no-snapshot", action="store_true",
                    help="run the server from the working tree itself, not a copy")
    ap.add_argument("--deadline", type=float, default=2400,
                    help="hard limit in seconds for the whole run")
    ap.add_argument("--json-out", default=None)
    args = ap.parse_args()
    args.phases = set(args.phases.split(",")) | {"a"}
    args.profile = set(filter(None, args.profile.split(",")))
    if args.no_browser or not Path(args.chromium).exists():
        args.chromium = None
        args.phases.discard("f")

    raise_nofile()
    limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if "i" in args.phases and limit < args.idle_scale + 200:
        note(f"open-file limit {limit} is below --idle-scale {args.idle_scale} + 200: raise "
             f"the hard limit (ulimit -Hn, or LimitNOFILE/nofile in limits.conf) or expect "
             f"failures past ~{limit - 200} sockets")
    global SRC
    snap_root = None
    if args.src:
        SRC = Path(args.src).resolve()
        note(f"server runs from the given tree {SRC}")
    elif not args.no_snapshot:
        SRC, desc = make_snapshot()
        snap_root = SRC.parent
        note(f"server runs from a snapshot of {ROOT} taken "
             f"{now_iso()} ({desc}): {SRC}")
    try:
        return _main(args)
    finally:
        if snap_root is not None:
            shutil.rmtree(snap_root, ignore_errors=True)


def _main(args) -> int:
    base_env = dict(os.environ, DJANGO_SETTINGS_MODULE="chatproject.settings", DEBUG="1",
                    CHAT_VAR_DIR=tempfile.mkdtemp(prefix="chat-bench-probe-"),
                    DATABASE_URL="sqlite:///:memory:", CHAT_ASSISTANT="chat.assistants.default")
    args.has_step = has_cl_step(base_env)
    shutil.rmtree(base_env["CHAT_VAR_DIR"], ignore_errors=True)
    shim_dir = None
    app = in_src(Path(args.app).resolve())
    if not args.has_step:
        # bench/app.py decorates with @cl.step at import: without it the app cannot load.
        shim_dir = Path(tempfile.mkdtemp(prefix="chat-bench-app-"))
        text = app.read_text().replace(
            "import chat.sdk as cl\n",
            "import chat.sdk as cl\nif not hasattr(cl, 'step'):  # bench shim: no cl.step yet\n"
            "    cl.step = lambda *a, **k: (lambda f: f)\n", 1)
        app = shim_dir / "app.py"
        app.write_text(text)
        note("chat.sdk has no cl.step: running a copy of bench/app.py with a no-op shim; "
             "the steps workload is skipped")
    args.app_path = app
    args.paced_app = in_src(HERE / "app_paced.py")

    from importlib.metadata import version

    vers = " ".join(f"{m} {version(m)}" for m in
                    ("django", "channels", "daphne", "autobahn", "twisted", "channels-redis",
                     "websockets", "playwright"))
    note(f"date {now_iso()}  cpus {os.cpu_count()}  "
         f"python {platform.python_version()}  {vers}")
    if args.web_procs > 1 and not args.services:
        raise SystemExit("--web-procs > 1 needs --services: the in-memory channel layer "
                         "does not reach across processes")
    mode = (f"services (PostgreSQL + Redis, {args.web_procs} web process(es)"
            f"{' behind bench/proxy.py' if args.web_procs > 1 else ''}, 1 Celery worker)"
            if args.services else
            "SQLite through DATABASE_URL, in-memory layer" if args.sqlite_url else
            "embedded default (CHAT_VAR_DIR/db.sqlite3, WAL; in-memory layer)")
    note(f"mode={mode} "
         f"app={args.app_path} cl.step={args.has_step} phases={','.join(sorted(args.phases))} "
         f"client offers permessage-deflate={not args.no_ws_compress}")
    if args.launcher or args.env:
        note(f"DIAGNOSTIC RUN: launcher={args.launcher} env={args.env} "
             f"BENCH_PATCHES={os.environ.get('BENCH_PATCHES', '')}")

    async def all_reps():
        reps = []
        for i in range(args.reps):
            print(f"\n# ===== repetition {i + 1}/{args.reps} =====", flush=True)
            reps.append(await one_rep(args))
        return reps

    t_all = time.perf_counter()
    rc = 0
    try:
        reps = asyncio.run(asyncio.wait_for(all_reps(), args.deadline))
    except TimeoutError:
        print("# deadline reached, aborting", flush=True)
        return 2
    finally:
        if shim_dir:
            shutil.rmtree(shim_dir, ignore_errors=True)
    summary = summarize(reps)
    note(f"bench wall time {time.perf_counter() - t_all:.1f} s")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps({
            "date": now_iso(),
            "args": {k: (sorted(v) if isinstance(v, set) else str(v))
                     for k, v in vars(args).items()},
            "reps": [[list(x) for x in r] for r in reps], "summary": summary}, indent=1))
    return rc


if __name__ == "__main__":
    sys.exit(main())

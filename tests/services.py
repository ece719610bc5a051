"""Real processes for the services backend: a Celery worker and daphne instances, on the
test database pytest-django made (PostgreSQL or SQLite) and the Redis of REDIS_URL.

Each run takes a Celery queue of its own, so that runs sharing a Redis (a developer and
CI, say) never take each other's jobs.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
PYTHON = str(BIN / "python") if BIN.exists() else sys.executable
CELERY = str(BIN / "celery") if (BIN / "celery").exists() else "celery"

needs_redis = pytest.mark.skipif(
    not os.environ.get("REDIS_URL"),
    reason="needs a broker: runs on the services backend (REDIS_URL set)",
)


def database_url_of_tests() -> str:
    """A DATABASE_URL for the test database this run uses (made by pytest-django)."""
    from django.db import connection

    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    if connection.vendor != "postgresql":
        pytest.fail(f"No DATABASE_URL for {connection.vendor}")
    auth = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or 5432
    return f"postgres://{auth}@{host}:{port}/{db['NAME']}"


def service_env(tmp: Path, queue: str, **extra: str) -> dict[str, str]:
    from django.conf import settings

    # REDIS_URL comes with the environment: unset, a daphne runs on the embedded default.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "chatproject.settings",
            "DATABASE_URL": database_url_of_tests(),
            "CELERY_QUEUE": queue,
            # The same secret as this process, so that its session cookies are valid there.
            "SECRET_KEY": settings.SECRET_KEY,
            "DEBUG": "1",
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "CHANNEL_PREFIX": settings.CHANNEL_LAYERS["default"]["CONFIG"].get("prefix", "chat"),
            "PYTHONUNBUFFERED": "1",
            "LOG_LEVEL": "INFO",
        }
    )
    env.update(extra)
    return env


class Process:
    """A service in a subprocess, its output in a log file."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], tmp: Path) -> None:
        self.name = name
        self.args = args
        self.env = env
        self.log_path = tmp / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None
        # Its working directory: another host's would be elsewhere.
        self.cwd = ROOT

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.args, cwd=self.cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log().splitlines()[-lines:])

    def wait_for_log(self, text: str, within: float = 60.0, *, after: int = 0) -> None:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if text in self.log()[after:]:
                return
            if self.process is None or self.process.poll() is not None:
                pytest.fail(f"{self.name} exited early:\n{self.log_tail()}")
            time.sleep(0.1)
        pytest.fail(f"{self.name}: no {text!r} in its log within {within}s:\n{self.log_tail()}")

    def stop(self, timeout: float = 15.0) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        # The whole group: a prefork worker has children.
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        self._reap_children()

    def _reap_children(self) -> None:
        import psutil

        for child in self._children:
            with contextlib.suppress(psutil.Error):
                child.kill()

    def remember_children(self) -> None:
        import psutil

        try:
            self._children = psutil.Process(self.pid).children(recursive=True)
        except psutil.Error:
            self._children = []

    _children: list = []


class Worker(Process):
    """`celery worker` as docker-compose.yml runs it, one prefork child."""

    def __init__(self, env: dict[str, str], tmp: Path) -> None:
        name = f"worker-{uuid.uuid4().hex[:8]}"
        super().__init__(
            name,
            [
                CELERY, "-A", "chatproject", "worker", "-c", "1", "-P", "prefork",
                "--without-heartbeat", "--without-gossip", "--without-mingle", "-l", "info",
                "-Q", env["CELERY_QUEUE"], "-n", f"{name}@%h",
            ],
            env,
            tmp,
        )  # fmt: skip

    def start(self) -> None:
        super().start()
        self.wait_for_log(" ready.", within=90)
        self.remember_children()

    def pool_children(self) -> list[int]:
        import psutil

        return [child.pid for child in psutil.Process(self.pid).children()]

    def stop(self, timeout: float = 15.0) -> None:
        self.remember_children()
        super().stop(timeout)


class Daphne(Process):
    """The web process as docker-compose.yml runs it, on a port of its own."""

    def __init__(self, name: str, env: dict[str, str], tmp: Path, port: int) -> None:
        self.port = port
        super().__init__(
            name,
            [PYTHON, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
             "chatproject.asgi:application"],
            env,
            tmp,
        )  # fmt: skip

    def start(self) -> None:
        import http.client

        super().start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                pytest.fail(f"{self.name} exited early:\n{self.log_tail()}")
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            try:
                connection.request("GET", "/accounts/login/")
                if connection.getresponse().status < 500:
                    return
            except (OSError, http.client.HTTPException):
                pass
            finally:
                connection.close()
            time.sleep(0.2)
        pytest.fail(f"{self.name} did not answer within 60s:\n{self.log_tail()}")


def use_queue(queue: str):
    """Sends this process's jobs to `queue` (what CELERY_QUEUE does at start-up)."""
    from chatproject.celery import app

    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    return previous


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def instances_env(tmp: Path, name: str, **extra: str) -> dict[str, str]:
    """service_env() for processes of their own: a new job queue, and a channel prefix
    of their own (nothing else on this Redis reaches their groups). Needs the database."""
    env = service_env(tmp, f"chat-test-{uuid.uuid4().hex[:12]}", **extra)
    env["CHANNEL_PREFIX"] = f"chat-{name}-{uuid.uuid4().hex[:8]}"
    return env


@contextlib.contextmanager
def started(
    env: dict[str, str], tmp: Path, *, webs: int = 2, worker: bool = False
) -> Iterator[list[Process]]:
    """`webs` daphne processes ("web-1", "web-2"...; "web" alone) on free ports and, with
    `worker`, a Celery worker after them, all with `env`; this process's jobs go to their
    queue meanwhile. All stopped afterwards, whatever happened."""
    names = [f"web-{n}" for n in range(1, webs + 1)] if webs > 1 else ["web"] * webs
    processes: list[Process] = [Daphne(name, env, tmp, free_port()) for name in names]
    if worker:
        processes.append(Worker(env, tmp))
    previous = use_queue(env["CELERY_QUEUE"]) if worker else None
    try:
        for process in processes:
            process.start()
        yield processes
    finally:
        for process in processes:
            process.stop()
        if previous is not None:
            use_queue(previous)


class RedisServer:
    """A redis-server of the test's own, without persistence: it comes back empty."""

    def __init__(self, tmp: Path) -> None:
        self.port = free_port()
        self.tmp = tmp
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, *options: str) -> None:
        """Starts it (again), with redis-server's own options if given."""
        with (self.tmp / "redis.log").open("ab") as log:
            self.process = subprocess.Popen(
                ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                 "--save", "", "--appendonly", "no", "--dir", str(self.tmp), *options],
                stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        pytest.fail("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

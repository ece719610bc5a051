"""Browser tests: the product started for real, driven by headless Chromium.

The session starts a fresh database (a temporary SQLite file, or a new PostgreSQL
database on the server named by DATABASE_URL), migrates it, and runs daphne in a
subprocess on a free port, as a user would run it. Chromium is Debian's, driven by
Playwright's sync API.
"""

from __future__ import annotations

import contextlib
import http.client
import itertools
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-gpu",
]
ASSISTANTS = Path(__file__).resolve().parent / "assistants"
PASSWORD = "a-long-browser-password-42"
START_TIMEOUT = 40.0
_emails = itertools.count(1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_status(port: int, path: str) -> int | None:
    """The status of a GET on the local server, or None if it does not answer."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    except (OSError, http.client.HTTPException):
        return None
    finally:
        connection.close()


def new_email(label: str = "user") -> str:
    return f"{label}-{next(_emails)}-{uuid.uuid4().hex[:8]}@example.com"


# ------------------------------------------------------------------------- database
def _postgres_url(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


@contextlib.contextmanager
def fresh_database(tmp: Path) -> Iterator[str]:
    """A DATABASE_URL for a database nobody else uses, removed afterwards."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg
        from psycopg import sql

        name = f"chat_browser_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield _postgres_url(url, name)
        finally:
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )
    elif url and not url.startswith("sqlite"):
        pytest.fail(f"Browser tests support SQLite and PostgreSQL, not {url.split(':')[0]}")
    else:
        yield f"sqlite:///{tmp / 'db.sqlite3'}"


# --------------------------------------------------------------------------- server
class ChatServer:
    """daphne in a subprocess; stop it, kill it, start it again on the same port."""

    def __init__(self, name: str, env: dict[str, str], tmp: Path, port: int | None = None):
        self.name = name
        self.env = env
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = tmp / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self._starts = 0

    def start(self, **overrides: str) -> None:
        assert self.process is None or self.process.poll() is not None, "already running"
        env = {**self.env, **overrides}
        self._starts += 1
        log = self.log_path.open("ab")
        log.write(f"\n===== start {self._starts} {overrides} =====\n".encode())
        log.flush()
        self.process = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "daphne",
                "-b",
                "127.0.0.1",
                "-p",
                str(self.port),
                "chatproject.asgi:application",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self.wait_ready()

    def wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                pytest.fail(f"{self.name}: daphne exited early.\n{self.log_tail()}")
            if http_status(self.port, "/") in (200, 302):
                return
            time.sleep(0.1)
        pytest.fail(
            f"{self.name}: daphne did not answer within {START_TIMEOUT}s.\n{self.log_tail()}"
        )

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.send_signal(sig)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def kill(self) -> None:
        self.stop(signal.SIGKILL)

    def restart(self, **overrides: str) -> None:
        self.stop()
        self.start(**overrides)

    def log_tail(self, lines: int = 60) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])


class Product:
    """What every server of this session shares: the database, the secret, the env."""

    def __init__(self, tmp: Path, database_url: str):
        self.tmp = tmp
        self.database_url = database_url
        self.servers: list[ChatServer] = []
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "chatproject.settings",
                "DATABASE_URL": database_url,
                "DEBUG": "1",
                "CHAT_VAR_DIR": str(tmp / "var"),
                # Every test signs someone up from 127.0.0.1, faster than a person would;
                # the limits themselves are tested in tests/security/.
                "RATE_LIMIT_SIGNUP": "1000/m/ip",
                "RATE_LIMIT_LOGIN": "1000/m/ip",
                # Each test signs someone up and goes straight into the chat; confirming the
                # address by mail is tested in tests/accounts/.
                "ACCOUNT_EMAIL_VERIFICATION": "optional",
                "MEDIA_ROOT": str(tmp / "media"),
                "CHAT_ASSISTANT": "chat.assistants.default",
                "PYTHONUNBUFFERED": "1",
                "LOG_LEVEL": "WARNING",
            }
        )
        env.pop("SECRET_KEY", None)
        if os.environ.get("REDIS_URL"):
            env["REDIS_URL"] = os.environ["REDIS_URL"]
        self.env = env

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        if result.returncode != 0:
            pytest.fail(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def server(self, name: str, **env: str) -> ChatServer:
        # A unique channel prefix keeps parallel runs apart on a shared Redis.
        server_env = {**self.env, "CHANNEL_PREFIX": f"chat-test-{uuid.uuid4().hex[:10]}", **env}
        server = ChatServer(name, server_env, self.tmp)
        self.servers.append(server)
        return server

    def stop_all(self) -> None:
        for server in self.servers:
            with contextlib.suppress(Exception):
                server.stop(timeout=5)


_session: dict[str, object] = {}


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


@pytest.fixture(scope="session")
def product() -> Iterator[Product]:
    # `timeout` and CI runners stop pytest with SIGTERM, which would end it without its
    # teardown: servers left running, a database left behind. Stop as on Ctrl+C instead.
    previous = signal.getsignal(signal.SIGTERM)
    if previous is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _interrupt)
    tmp = Path(tempfile.mkdtemp(prefix="chat-browser-"))
    try:
        with fresh_database(tmp) as database_url:
            product = Product(tmp, database_url)
            _session["product"] = product
            product.manage("migrate", "--noinput", "-v", "0")
            try:
                yield product
            finally:
                product.stop_all()
    finally:
        if os.environ.get("BROWSER_KEEP_TMP"):
            print(f"\nbrowser test files kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
        if previous is signal.SIG_DFL:
            signal.signal(signal.SIGTERM, previous)


@pytest.fixture(scope="session")
def server(product: Product) -> Iterator[ChatServer]:
    """The chat with the default assistant, shared by the session."""
    server = product.server("default")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def chat_server(server: ChatServer) -> ChatServer:
    """The shared server, started again if a test left it down."""
    if server.process is None or server.process.poll() is not None:
        server.start()
    return server


@pytest.fixture(scope="session")
def shots_dir() -> Path:
    path = Path(os.environ.get("BROWSER_SHOTS_DIR") or tempfile.mkdtemp(prefix="chat-shots-"))
    path.mkdir(parents=True, exist_ok=True)
    _session["shots"] = path
    return path


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed browser test shows the end of each server's log."""
    report = yield
    product = _session.get("product")
    if report.failed and isinstance(product, Product):
        for server in product.servers:
            report.sections.append((f"daphne log: {server.name}", server.log_tail(80)))
    return report


def pytest_terminal_summary(terminalreporter):
    if "shots" in _session:
        terminalreporter.write_line(f"browser screenshots: {_session['shots']}")


# -------------------------------------------------------------------------- browser
@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: the browser tests need it "
            "(apt-get install -y chromium), or set CHROMIUM_PATH."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def context(browser, chat_server: ChatServer):
    context = browser.new_context(
        base_url=chat_server.base_url, viewport={"width": 1280, "height": 800}
    )
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def page(context):
    return context.new_page()

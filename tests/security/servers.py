"""A real daphne, started with the arguments the Dockerfile and docker-compose.yml give it,
and a small reverse proxy of the company's in front of it, for probes whose outcome
depends on the server (how daphne reads the peer's address) and not on Django alone.

On one machine the loopback is every party's network, so each party takes an address of
its own in 127.0.0.0/8 (all of it answers on Linux): the proxy connects to daphne from
its own address, the one daphne is told to trust, and each attacker or user connects
from another one. Fresh random addresses also keep one test's per-address sign-in counts
(in a Redis that outlives the run) from reaching another's.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import random
import re
import shlex
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from tests.services import PYTHON, ROOT, Daphne, Process, service_env

SSO_HEADER = "X-Forwarded-Email"
# A page origin the site trusts besides its own (CSRF_TRUSTED_ORIGINS).
TRUSTED_ORIGIN = "https://chat.example.com"


def shipped_daphne_arguments() -> list[str]:
    """daphne's arguments in the image's CMD (Dockerfile)."""
    cmd = re.search(r"^CMD (\[.*\])$", (ROOT / "Dockerfile").read_text(), re.MULTILINE)
    assert cmd, "no CMD in the Dockerfile"
    program, *arguments = json.loads(cmd.group(1))
    assert program == "daphne"
    return arguments


def compose_daphne_arguments() -> list[str]:
    """daphne's arguments in docker-compose.yml's web processes' command (one for both)."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    command = " ".join(compose["services"]["web-1"]["command"])
    started = re.search(r"exec daphne (.*)$", command)
    assert started, f"no daphne in the web command: {command}"
    return shlex.split(started.group(1))


def on_port(arguments: list[str], port: int) -> list[str]:
    """The same arguments, listening on 127.0.0.1:`port` instead of the container's 8000."""
    moved = list(arguments)
    for flag, value in (("-b", "127.0.0.1"), ("-p", str(port))):
        moved[moved.index(flag) + 1] = value
    return moved


class ShippedDaphne(Daphne):
    """daphne exactly as the image runs it, on a port of its own."""

    trusted_proxy = ""

    def __init__(self, name: str, env: dict[str, str], tmp: Path, port: int) -> None:
        super().__init__(name, env, tmp, port)
        self.args = [PYTHON, "-m", "daphne", *on_port(shipped_daphne_arguments(), port)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fresh_loopback_address() -> str:
    """An address of the loopback network that no other party of the test uses."""
    return f"127.{random.randint(1, 254)}.{random.randint(0, 255)}.{random.randint(2, 254)}"


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: str

    def header(self, name: str) -> str:
        return next((v for k, v in self.headers if k.lower() == name.lower()), "")

    def cookies(self) -> dict[str, str]:
        found = {}
        for name, value in self.headers:
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                found[key.strip()] = rest.split(";", 1)[0]
        return found


def request(
    port: int,
    method: str,
    path: str,
    *,
    source: str,
    headers: dict[str, str] | None = None,
    body: str | None = None,
) -> Response:
    """One HTTP request over a connection of its own, from the address `source`."""
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=30, source_address=(source, 0)
    )
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return Response(response.status, response.getheaders(), response.read().decode())
    finally:
        connection.close()


class UnixSocketConnection(http.client.HTTPConnection):
    """HTTP over a unix socket, as a proxy on the same machine reaches `daphne -u`."""

    def __init__(self, path: Path) -> None:
        super().__init__("localhost", timeout=30)
        self.unix_path = str(path)

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.unix_path)


def unix_request(
    path: Path, method: str, target: str, *, headers: dict[str, str] | None = None,
    body: str | None = None,
) -> Response:  # fmt: skip
    connection = UnixSocketConnection(path)
    try:
        connection.request(method, target, body=body, headers=headers or {})
        response = connection.getresponse()
        return Response(response.status, response.getheaders(), response.read().decode())
    finally:
        connection.close()


class UnixSocketDaphne(Process):
    """daphne listening on a unix socket (`daphne -u`), no TCP port."""

    def __init__(self, name: str, env: dict[str, str], tmp: Path) -> None:
        self.socket_path = tmp / "daphne.sock"
        arguments = ["-u", str(self.socket_path), "chatproject.asgi:application"]
        super().__init__(name, [PYTHON, "-m", "daphne", *arguments], env, tmp)

    def start(self) -> None:
        super().start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                pytest.fail(f"{self.name} exited early:\n{self.log_tail()}")
            try:
                if unix_request(self.socket_path, "GET", "/accounts/login/").status < 500:
                    return
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.2)
        pytest.fail(f"{self.name} did not answer within 60s:\n{self.log_tail()}")


@dataclass
class ForwardingProxy:
    """A reverse proxy of the company's (TLS or SSO) in front of daphne.

    Connects to daphne from `source`; appends the address its client came from to any
    X-Forwarded-For the client sent, says X-Forwarded-Proto: https as a TLS proxy does,
    and sets `sets` (an SSO proxy's X-Forwarded-Email, say) over whatever the client sent.
    It rewrites the first request of each connection, so its clients open one connection
    per request, or one websocket.
    """

    upstream_port: int
    source: str
    sets: dict[str, str] = field(default_factory=dict)
    # What it says in X-Forwarded-Proto (Traefik says wss on a websocket's request).
    proto: str = "https"
    port: int = 0
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None

    def start(self) -> ForwardingProxy:
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            self._loop = loop
            server = loop.run_until_complete(asyncio.start_server(self._serve, "127.0.0.1", 0))
            self.port = server.sockets[0].getsockname()[1]
            ready.set()
            loop.run_forever()
            # Connections still piping end with the proxy.
            tasks = asyncio.all_tasks(loop)
            for task in tasks:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            server.close()
            loop.run_until_complete(server.wait_closed())
            loop.close()

        self._thread = threading.Thread(target=run, name="forwarding-proxy", daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    def rewrite(self, head: bytes, client: str) -> bytes:
        request_line, *lines = head.decode("latin-1").split("\r\n")
        headers = [line.split(":", 1) for line in lines if ":" in line]
        replaced = {"x-forwarded-proto", *(name.lower() for name in self.sets)}
        forwarded = [value.strip() for name, value in headers if name.lower() == "x-forwarded-for"]
        kept = [
            (name, value.strip())
            for name, value in headers
            if name.lower() not in replaced and name.lower() != "x-forwarded-for"
        ]
        kept.append(("X-Forwarded-For", ", ".join([*forwarded, client])))
        kept.append(("X-Forwarded-Proto", self.proto))
        kept.extend(self.sets.items())
        lines = [request_line, *(f"{name}: {value}" for name, value in kept)]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        client = writer.get_extra_info("peername")[0]
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            up_reader, up_writer = await asyncio.open_connection(
                "127.0.0.1", self.upstream_port, local_addr=(self.source, 0)
            )
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            writer.close()
            return
        up_writer.write(self.rewrite(head, client))
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            writer.close()


# -- fixtures (imported by the test modules that use them) ---------------------------------
def started_web(
    name: str, tmp: Path, django_db_blocker, *, sso_proxy: str = "", **extra: str
) -> ShippedDaphne:
    """The shipped daphne command, trusting one proxy address (`.trusted_proxy`) and
    signing in from the SSO header that comes through `sso_proxy` (by default the same
    proxy), with this run's database and secret."""
    trusted_proxy = fresh_loopback_address()
    with django_db_blocker.unblock():
        env = service_env(
            tmp,
            f"chat-test-{uuid.uuid4().hex[:12]}",
            CHAT_SSO_HEADER=SSO_HEADER,
            CHAT_TRUSTED_PROXIES=trusted_proxy,
            CHAT_SSO_TRUSTED_PROXIES=sso_proxy or trusted_proxy,
            CSRF_TRUSTED_ORIGINS=TRUSTED_ORIGIN,
            # An assistant that writes nothing when a socket opens: nothing of its own is
            # still being written when a test's data is cleared away.
            CHAT_ASSISTANT=str(ROOT / "tests" / "assistants" / "echo.py"),
            MEDIA_ROOT=str(tmp / "media"),
            CHANNEL_PREFIX=f"chat-proxies-{uuid.uuid4().hex[:8]}",
            **extra,
        )
    server = ShippedDaphne(name, env, tmp, free_port())
    server.trusted_proxy = trusted_proxy
    server.start()
    return server


@pytest.fixture(scope="module")
def web(django_db_setup, django_db_blocker, tmp_path_factory):
    """The shipped daphne command with local settings (DEBUG=1, as the suite's services)."""
    server = started_web("web", tmp_path_factory.mktemp("web"), django_db_blocker)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def production_web(django_db_setup, django_db_blocker, tmp_path_factory):
    """The same with DEBUG off, as the compose file runs it: HTTPS redirect, secure cookies."""
    tmp = tmp_path_factory.mktemp("production-web")
    server = started_web(
        "production-web",
        tmp,
        django_db_blocker,
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1",
        STATIC_ROOT=str(tmp / "static"),
    )
    yield server
    server.stop()


def proxy_in_front(server: ShippedDaphne, started: list[ForwardingProxy], sets: dict[str, str]):
    proxy = ForwardingProxy(server.port, server.trusted_proxy, sets=sets).start()
    started.append(proxy)
    return proxy


@pytest.fixture
def behind_proxy(web):
    """Starts a trusted proxy in front of `web`: `behind_proxy(sets={...})`."""
    started: list[ForwardingProxy] = []

    yield lambda **sets: proxy_in_front(web, started, sets)
    for proxy in started:
        proxy.stop()


@pytest.fixture
def behind_proxy_in_production(production_web):
    """Starts a trusted proxy in front of `production_web`."""
    started: list[ForwardingProxy] = []
    yield lambda **sets: proxy_in_front(production_web, started, sets)
    for proxy in started:
        proxy.stop()

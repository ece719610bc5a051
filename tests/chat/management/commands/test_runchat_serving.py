"""`manage.py runchat` as a developer runs it: a real process serving on a real port."""

from __future__ import annotations

import contextlib
import http.client
import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.services import PYTHON, ROOT

START_SECONDS = 90.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port: int, path: str) -> tuple[int, str] | None:
    """Status and body of a GET, or None while nothing answers."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read().decode(errors="replace")
    except (OSError, http.client.HTTPException):
        return None
    finally:
        connection.close()


@pytest.fixture(scope="module")
def database_url(tmp_path_factory) -> Iterator[str]:
    """A database of its own for the servers of this module, which runchat migrates."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{tmp_path_factory.mktemp('runchat') / 'db.sqlite3'}"
        return
    import psycopg
    from psycopg import sql

    name = f"chat_runchat_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urllib.parse.urlsplit(url)._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


class Runchat:
    """`manage.py runchat ARGS` in a process group of its own (the reloader has a child)."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        self._out = log.open("wb")
        self.process = subprocess.Popen(
            [PYTHON, "manage.py", "runchat", *args],
            cwd=ROOT,
            env=env,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_until(self, condition: Callable[[], object], what: str) -> object:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            result = condition()
            if result:
                return result
            if self.process.poll() is not None:
                code = self.process.returncode
                pytest.fail(f"runchat exited ({code}) before {what}:\n{self.output}")
            time.sleep(0.2)
        pytest.fail(f"Never saw {what}:\n{self.output}")

    def exit_code(self) -> int:
        try:
            return self.process.wait(timeout=START_SECONDS)
        except subprocess.TimeoutExpired:
            pytest.fail(f"runchat is still running:\n{self.output}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._out.close()


@pytest.fixture
def runchat(database_url, tmp_path) -> Iterator[Callable[..., Runchat]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "chatproject.settings",
            "DATABASE_URL": database_url,
            "DEBUG": "1",
            "CHAT_VAR_DIR": str(tmp_path / "var"),
            "PYTHONUNBUFFERED": "1",
            "LOG_LEVEL": "INFO",
        }
    )
    env.pop("SECRET_KEY", None)
    env.pop("CHAT_ASSISTANT", None)
    started: list[Runchat] = []

    def start(*args: str, embedded: bool = False) -> Runchat:
        """`embedded`: no DATABASE_URL, so the local SQLite under CHAT_VAR_DIR, as a
        developer's first run has it."""
        run_env = dict(env)
        if embedded:
            run_env.pop("DATABASE_URL")
            run_env.pop("POSTGRES_HOST", None)
        process = Runchat(list(args), run_env, tmp_path / f"runchat-{len(started)}.log")
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


@contextlib.contextmanager
def port_taken() -> Iterator[int]:
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        yield other.getsockname()[1]


# ----------------------------------------------------------------------------- address
def test_a_busy_port_fails_with_a_clear_message_before_any_address_is_printed(runchat):
    with port_taken() as port:
        server = runchat(f"127.0.0.1:{port}")
        assert server.exit_code() != 0
    assert f"Cannot serve on 127.0.0.1:{port}: another program is listening" in server.output
    assert "Open http" not in server.output


def test_a_busy_port_with_reload_ends_the_reloader_with_a_failure(runchat):
    with port_taken() as port:
        server = runchat(f"127.0.0.1:{port}", "--reload")
        assert server.exit_code() != 0
    assert f"Cannot serve on 127.0.0.1:{port}" in server.output
    assert "Open http" not in server.output


def test_a_dotted_module_path_then_an_address_serves_that_assistant_there(runchat):
    port = free_port()
    server = runchat("chat.assistants.default", f"127.0.0.1:{port}")
    server.wait_until(lambda: get(port, "/accounts/login/"), "the sign-in page")
    assert get(port, "/accounts/login/")[0] == 200
    assert "Assistant: chat.assistants.default" in server.output
    assert f"Open http://127.0.0.1:{port}/" in server.output


# ----------------------------------------------------------------------------- reload
def test_with_reload_the_banner_and_each_log_line_print_once(runchat):
    port = free_port()
    server = runchat(f"127.0.0.1:{port}", "--reload", embedded=True)
    server.wait_until(lambda: get(port, "/accounts/login/"), "the sign-in page")
    assert get(port, "/no-such-page-here/")[0] == 404
    server.wait_until(lambda: "GET /no-such-page-here/ 404" in server.output, "the request's line")
    server.stop()
    output = server.output
    assert output.count(f"Open http://127.0.0.1:{port}/") == 1
    assert output.count("Sign in as ") == 1
    assert output.count("Not Found: /no-such-page-here/") == 1
    assert output.count("GET /no-such-page-here/ 404") == 1


APP = """import chat.sdk as cl


@cl.on_message
async def main(message: cl.Message):
    await cl.Message(content="pong").send()
"""
BROKEN_APP = APP.replace("async def main(message: cl.Message):", "async def main(message)")


def saved(app: Path, source: str, answered: Callable[[], object]) -> Callable[[], object]:
    """A condition that saves the file again every two seconds until it holds: the reloader
    notices a change only once it has seen the file a first time, a moment after start."""
    last_save = 0.0

    def condition() -> object:
        nonlocal last_save
        if time.monotonic() - last_save > 2:
            app.write_text(source)
            last_save = time.monotonic()
        return answered()

    return condition


def test_with_reload_a_syntax_error_is_shown_on_the_page_until_the_file_is_fixed(runchat, tmp_path):
    app = tmp_path / "app.py"
    app.write_text(APP)
    port = free_port()
    server = runchat(str(app), f"127.0.0.1:{port}", "--reload")
    server.wait_until(lambda: get(port, "/accounts/login/"), "the sign-in page")

    def failure_page() -> str | None:
        answer = get(port, "/")
        return answer[1] if answer and answer[0] == 500 else None

    page = server.wait_until(
        saved(app, BROKEN_APP, failure_page), "the page saying the assistant failed"
    )
    assert "The assistant failed to load" in page
    assert f"{app}, line 5" in page
    assert "SyntaxError" in page
    assert "SyntaxError: expected &#x27;:&#x27;" in server.output.replace("'", "&#x27;")
    assert server.process.poll() is None

    server.wait_until(
        saved(app, APP, lambda: (answer := get(port, "/accounts/login/")) and answer[0] == 200),
        "the sign-in page after the fix",
    )
    assert get(port, "/")[0] != 500


# ------------------------------------------------------------------------------ admin
def signs_in_to_the_admin(admin_url: str, username: str, password: str) -> bool:
    cookies = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(cookies))
    login_url = f"{admin_url}login/?next=/admin/"
    form = browser.open(login_url, timeout=10).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
    assert token is not None
    answer = browser.open(
        urllib.request.Request(  # noqa: S310 (http, built above)
            login_url,
            data=urllib.parse.urlencode(
                {
                    "csrfmiddlewaretoken": token.group(1),
                    "username": username,
                    "password": password,
                    "next": "/admin/",
                }
            ).encode(),
            headers={"Referer": login_url},
        ),
        timeout=10,
    )
    assert answer.status == 200
    return answer.url == admin_url and "Site administration" in answer.read().decode()


def test_in_debug_the_admin_address_is_printed_and_the_demo_account_opens_it(runchat):
    port = free_port()
    server = runchat(f"127.0.0.1:{port}", embedded=True)
    server.wait_until(lambda: get(port, "/accounts/login/"), "the sign-in page")
    assert "Sign in as demo@example.com / demo-password-123" in server.output
    admin = re.search(r"Admin: (\S+)", server.output)
    assert admin is not None
    assert admin.group(1) == f"http://127.0.0.1:{port}/admin/"
    assert signs_in_to_the_admin(admin.group(1), "demo@example.com", "demo-password-123")

    # The chat's own sign-in lets it in too: its address counts as confirmed.
    chat = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    sign_in_url = f"http://127.0.0.1:{port}/accounts/login/"
    form = chat.open(sign_in_url, timeout=10).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
    assert token is not None
    signed_in = chat.open(
        urllib.request.Request(
            sign_in_url,
            data=urllib.parse.urlencode(
                {
                    "csrfmiddlewaretoken": token.group(1),
                    "login": "demo@example.com",
                    "password": "demo-password-123",
                }
            ).encode(),
            headers={"Referer": sign_in_url},
        ),
        timeout=10,
    )
    assert "/threads/" in signed_in.url


def test_with_a_configured_database_no_demo_superuser_is_made(runchat):
    """Run once against a production DATABASE_URL, runchat must leave no superuser with a
    published password there."""
    port = free_port()
    server = runchat(f"127.0.0.1:{port}")
    server.wait_until(lambda: get(port, "/accounts/login/"), "the sign-in page")
    assert "demo-password-123" not in server.output
    assert "No demo account: the database is set by DATABASE_URL" in server.output
    assert "manage.py createsuperuser" in server.output
    admin = f"http://127.0.0.1:{port}/admin/"
    assert not signs_in_to_the_admin(admin, "demo@example.com", "demo-password-123")


def test_on_an_address_other_machines_reach_no_demo_superuser_is_made(runchat):
    port = free_port()
    server = runchat(f"0.0.0.0:{port}", embedded=True)
    server.wait_until(lambda: get(port, "/accounts/login/"), "the sign-in page")
    assert "demo-password-123" not in server.output
    assert "No demo account: 0.0.0.0 is reachable from other machines" in server.output
    assert "manage.py createsuperuser" in server.output
    admin = f"http://127.0.0.1:{port}/admin/"
    assert not signs_in_to_the_admin(admin, "demo@example.com", "demo-password-123")


RACE = """
import sys, django
django.setup()
from django.core.management import call_command
from chat.devserver.addresses import Address
# The port is taken between runchat's check and daphne's listen: the check sees it free.
Address.unavailable = lambda self: None
call_command("runchat", *sys.argv[1:])
"""


@pytest.mark.parametrize("reload", [False, True])
def test_a_port_taken_after_the_check_still_ends_the_server_with_a_failure(
    database_url, tmp_path, reload
):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "chatproject.settings",
            "DATABASE_URL": database_url,
            "DEBUG": "1",
            "CHAT_VAR_DIR": str(tmp_path / "var"),
            "PYTHONUNBUFFERED": "1",
        }
    )
    if reload:
        # As the reloader's child, where the server runs in a thread of its own.
        env["RUN_MAIN"] = "true"
    with port_taken() as port:
        result = subprocess.run(
            [PYTHON, "-c", RACE, f"127.0.0.1:{port}", *(["--reload"] if reload else [])],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=START_SECONDS,
            check=False,
        )
    assert result.returncode != 0
    assert f"Could not listen on 127.0.0.1:{port}" in result.stdout + result.stderr

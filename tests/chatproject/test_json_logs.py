"""CHAT_LOG_FORMAT=json on a real daphne: every line one JSON object with the ids of the
request, user, thread and run it was written for, and never what anyone wrote."""

from __future__ import annotations

import asyncio
import contextvars
import http.client
import json
import logging
import uuid

import pytest

from chat import log_context
from chatproject.json_logs import JsonFormatter
from tests.conftest import ASSISTANTS_DIR
from tests.factories import make_thread, make_user
from tests.services import Daphne, free_port, service_env
from tests.sockets import PageSocket, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "quarterly-figures-" + uuid.uuid4().hex


def record(message: str, **extra) -> logging.LogRecord:
    made = logging.LogRecord("chat.test", logging.WARNING, __file__, 1, message, (), None)
    log_context.ContextFilter().filter(made)
    for name, value in extra.items():
        setattr(made, name, value)
    return made


def test_a_line_holds_time_level_logger_message_and_the_ids_known():
    def in_a_fresh_context() -> dict:
        with log_context.bound(request_id="r-1", user_id=7):
            return json.loads(JsonFormatter().format(record("saved", thread_id=None)))

    line = contextvars.Context().run(in_a_fresh_context)
    assert line.keys() == {"time", "level", "logger", "message", "request_id", "user_id"}
    assert (line["level"], line["logger"], line["request_id"], line["user_id"]) == (
        "WARNING", "chat.test", "r-1", "7",
    )  # fmt: skip
    assert line["time"].endswith("+00:00")


def test_ids_end_with_their_block():
    def in_a_fresh_context() -> None:
        with log_context.bound(thread_id="t-1"):
            assert log_context.current() == {"thread_id": "t-1"}
        assert log_context.current() == {}

    contextvars.Context().run(in_a_fresh_context)


@pytest.fixture(scope="module")
def web(django_db_setup, django_db_blocker, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("json-logs")
    with django_db_blocker.unblock():
        env = service_env(
            tmp,
            f"chat-test-{uuid.uuid4().hex[:12]}",
            CHAT_ASSISTANT=str(ASSISTANTS_DIR / "features.py"),
            CHAT_LOG_FORMAT="json",
            LOG_LEVEL="INFO",
        )
    env["CHANNEL_PREFIX"] = f"chat-logs-{uuid.uuid4().hex[:8]}"
    process = Daphne("web", env, tmp, free_port())
    try:
        process.start()
        yield process
    finally:
        process.stop()


def get(port: int, path: str, headers: dict[str, str]) -> http.client.HTTPResponse:
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    client.request("GET", path, headers=headers)
    response = client.getresponse()
    response.read()
    client.close()
    return response


def lines(web: Daphne) -> list[dict]:
    return [json.loads(line) for line in web.log().splitlines() if line.strip()]


async def test_a_chat_logs_json_lines_with_ids_and_without_what_was_written(web):
    user = await asyncio.to_thread(make_user, email=f"{uuid.uuid4().hex[:8]}@example.com")
    thread = await asyncio.to_thread(make_thread, user)
    cookie = await session_cookie(user)

    # A request the server logs (a 404), with the proxy's request id.
    missing = await asyncio.to_thread(
        get, web.port, f"/threads/{uuid.uuid4()}/", {"Cookie": cookie, "X-Request-ID": "edge-42"}
    )
    assert missing.status == 404
    assert missing.headers["X-Request-ID"] == "edge-42"

    socket = await PageSocket.open(web.port, thread, cookie)
    try:
        await socket.say(SECRET)
        await socket.until(lambda f: f"ok: {SECRET}" in f)
        await socket.say("fail")
        await socket.until(lambda f: "the model is down" in f)
    finally:
        await socket.close()

    logged = await asyncio.to_thread(lines, web)  # each line parses, or this fails
    assert all({"time", "level", "logger", "message"} <= line.keys() for line in logged)
    assert SECRET not in web.log()
    not_found = [line for line in logged if line["logger"] == "django.request"]
    assert not_found
    assert not_found[-1]["request_id"] == "edge-42"
    assert not_found[-1]["user_id"] == str(user.pk)
    failed = [line for line in logged if "failed" in line["message"] and "exception" in line]
    assert failed, "the failing hook was not logged"
    assert failed[-1]["thread_id"] == str(thread.pk)
    assert failed[-1]["user_id"] == str(user.pk)
    assert len(failed[-1]["run_id"]) == 32

"""The copilot's line to its host page: CopilotFunction, send_window_message and
on_window_message, through a real chat session and the thread's group."""

from __future__ import annotations

import html
import json
import re

import pytest

from chat.engine import copilot as window
from chat.errors import UserFacingError
from chat.models import Thread
from chat.web.events import CopilotResult, MalformedFrame, WindowMessage, parse_frame
from tests.drivers import wait_for
from tests.factories import make_thread

pytestmark = pytest.mark.django_db(transaction=True)

OUTBOX = re.compile(r'data-kind="(\w+)" data-payload="([^"]*)"')


@pytest.fixture
def copilot_thread(user) -> Thread:
    return make_thread(user, source=Thread.Source.COPILOT)


def outbox(frame: str) -> tuple[str, dict] | None:
    found = OUTBOX.search(frame)
    return (found[1], json.loads(html.unescape(found[2]))) if found else None


async def reply_with(chat, text: str) -> None:
    await wait_for(lambda: _has_reply(chat, text), what=f"the reply {text!r}")


async def _has_reply(chat, text: str) -> bool:
    return any(m.content == text for m in await chat.messages())


async def test_a_copilot_function_is_called_in_the_host_page_and_its_result_used(
    open_chat, use_assistant, copilot_thread, user
):
    use_assistant("copilot")
    chat = await open_chat(copilot_thread, user)
    await chat.send("what is the title?", wait=False)
    frame = await chat.tab.until(lambda f: "data-kind=" in f)
    kind, call = outbox(frame)
    assert kind == "call"
    assert call["name"] == "page_title"
    assert call["args"] == {"suffix": "!"}
    await window.deliver_result(chat.session, call["call"], "Host Page!")
    await reply_with(chat, "The host page is titled: Host Page!")


async def test_the_assistant_posts_window_messages_to_the_host_page(
    open_chat, use_assistant, copilot_thread, user
):
    use_assistant("copilot")
    chat = await open_chat(copilot_thread, user)
    await chat.send("ping host")
    frame = await chat.tab.until(lambda f: "data-kind=" in f)
    assert outbox(frame) == ("window", {"data": {"text": "hello host"}})


async def test_a_window_message_from_the_host_page_runs_on_window_message(
    open_chat, use_assistant, copilot_thread, user
):
    use_assistant("copilot")
    chat = await open_chat(copilot_thread, user)
    await window.receive_window_message(chat.session, {"text": "hi from host"})
    await reply_with(chat, "The host says: hi from host")


async def test_hooks_in_the_copilot_read_its_client_type(
    open_chat, use_assistant, copilot_thread, user
):
    use_assistant("copilot")
    chat = await open_chat(copilot_thread, user)
    await chat.send("hello")
    await reply_with(chat, "copilot: hello")


async def test_a_copilot_function_outside_the_copilot_is_a_clear_error(
    open_chat, use_assistant, thread, user
):
    use_assistant("copilot")
    chat = await open_chat(thread, user)
    await chat.send("what is the title?")
    reply = await chat.last_reply()
    assert reply.is_error
    assert "CopilotFunction" in reply.content


async def test_a_result_cannot_answer_anything_but_a_function_call(
    open_chat, use_assistant, copilot_thread, user
):
    use_assistant("copilot")
    chat = await open_chat(copilot_thread, user)
    with pytest.raises(UserFacingError):
        await window.deliver_result(chat.session, "3f1e0c0e-0000-4000-8000-000000000000", 1)


async def test_window_messages_must_be_json(open_chat, use_assistant, copilot_thread, user):
    use_assistant("copilot")
    chat = await open_chat(copilot_thread, user)
    with pytest.raises(ValueError, match="JSON"):
        await window.send_window_message(chat.session, {"not json": object()})


def test_the_page_frames_parse_into_events():
    assert parse_frame('{"type": "window_message", "data": "{\\"a\\": 1}"}') == WindowMessage(
        data={"a": 1}
    )
    assert parse_frame(
        '{"type": "copilot_result", "call": "copilot-1", "result": "[1, 2]"}'
    ) == CopilotResult(call_id="copilot-1", result=[1, 2])
    with pytest.raises(MalformedFrame):
        parse_frame('{"type": "window_message", "data": "{not json"}')
    with pytest.raises(MalformedFrame):
        parse_frame('{"type": "copilot_result", "call": 5, "result": "1"}')

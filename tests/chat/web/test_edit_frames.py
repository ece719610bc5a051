"""Edit and regenerate over the websocket: the frames, parsed and routed by the consumer."""

from __future__ import annotations

import json

import pytest

from chat.models import Message
from chat.web.events import EditMessage, MalformedFrame, RegenerateRequest, parse_frame
from tests.chat.web.test_consumers import connect, path_of  # noqa: F401  (fixture)


def frame(**fields) -> str:
    return json.dumps({**fields, "HEADERS": {"HX-Request": "true"}})


def test_an_edit_frame_carries_the_message_and_its_new_text():
    event = parse_frame(frame(type="edit", message_id="abc", content="  new words  "))
    assert event == EditMessage(message_id="abc", content="new words")


def test_a_regenerate_frame_needs_nothing_more():
    assert parse_frame(frame(type="regenerate")) == RegenerateRequest()


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"content": "   ", "message_id": "abc"}, "empty"),
        ({"content": 3, "message_id": "abc"}, "must be text"),
        ({"content": "x", "message_id": "a" * 65}, "too long"),
        ({"content": "x" * 20_001, "message_id": "abc"}, "too long"),
        ({"content": "x", "message_id": ["abc"]}, "must be text"),
    ],
)
def test_a_bad_edit_frame_is_refused(fields, error):
    with pytest.raises(MalformedFrame, match=error):
        parse_frame(frame(type="edit", **fields))


pytestmark_db = pytest.mark.django_db(transaction=True)


async def idle_after_start(socket) -> None:
    """Past the snapshot and the session's start (a run like any other)."""
    await socket.until(lambda f: 'data-running="true"' in f)
    await socket.until(lambda f: 'data-running="false"' in f)


@pytestmark_db
async def test_editing_over_the_socket_hides_the_later_messages_and_answers_again(
    use_assistant,
    connect,  # noqa: F811
    thread,
    user,
):
    use_assistant("echo")
    connected, _, socket = await connect(path_of(thread), user=user)
    assert connected
    await idle_after_start(socket)
    await socket.say("hello")
    await socket.until(lambda f: "echo: hello" in f and "streaming" not in f)
    await socket.until(lambda f: 'data-running="false"' in f)
    question = await Message.objects.aget(thread=thread, content="hello")
    answer = await Message.objects.aget(thread=thread, author_kind="assistant")

    await socket.send(type="edit", message_id=str(question.pk), content="hi there")

    await socket.until(lambda f: f'id="m-{answer.pk}" hx-swap-oob="delete"' in f)
    await socket.until(lambda f: "echo: hi there" in f and "streaming" not in f)
    shown = [
        m.content
        async for m in Message.objects.filter(thread=thread)
        .exclude(metadata__has_key="superseded")
        .order_by("order")
    ]
    assert shown[:1] == ["hi there"]


@pytestmark_db
async def test_an_edit_the_server_refuses_shows_a_notice_and_the_socket_stays_usable(
    use_assistant,
    connect,  # noqa: F811
    thread,
    user,
):
    use_assistant("echo")
    connected, _, socket = await connect(path_of(thread), user=user)
    assert connected
    await idle_after_start(socket)

    await socket.send(type="edit", message_id="nope", content="changed")
    notice = await socket.until(lambda f: 'id="chat-notice"' in f and "edited" in f)
    assert "can no longer be edited" in notice
    await socket.send(type="regenerate")
    await socket.until(lambda f: "no answer to regenerate" in f)

    await socket.say("still here")
    await socket.until(lambda f: "echo: still here" in f)

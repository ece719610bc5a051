"""The chat websocket, through the real ASGI application: origin check, auth, frames, streams."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import Callable

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import OperationalError
from django.test import Client

from chat.engine.groups import thread_group
from chat.models import Feedback, Message
from chat.web.consumers import CLOSE_FORBIDDEN, CLOSE_SERVICE_RESTART_APP, CLOSE_UNAUTHENTICATED
from chatproject.asgi import application
from tests.assistants.echo import LONG_WORDS, echo_of, long_answer
from tests.drivers import shows_streamed
from tests.factories import make_message, make_thread

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://localhost")


@database_sync_to_async
def session_cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}".encode()


class Socket:
    """One browser tab's websocket: sends frames, reads them with deadlines."""

    def __init__(self, communicator: WebsocketCommunicator) -> None:
        self.communicator = communicator
        self.frames: list[str] = []

    async def next_output(self, within: float = 10.0) -> dict:
        return await self.communicator.receive_output(timeout=within)

    async def until(self, predicate: Callable[[str], bool], *, within: float = 10.0) -> str:
        """Reads frames until one matches; every frame read is kept in self.frames."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            try:
                output = await self.next_output(within=max(0.0, deadline - loop.time()))
            except TimeoutError:
                last = "\n".join(f[:200] for f in self.frames[-5:])
                pytest.fail(f"No matching frame within {within} s; the last ones:\n{last}")
            assert output["type"] == "websocket.send", f"socket closed: {output}"
            self.frames.append(output["text"])
            if predicate(output["text"]):
                return output["text"]

    async def send(self, **fields) -> None:
        await self.communicator.send_to(
            text_data=json.dumps({**fields, "HEADERS": {"HX-Request": "true"}})
        )

    async def say(self, content: str, client_id: str | None = None) -> None:
        await self.send(type="message", content=content, client_id=client_id or uuid.uuid4().hex)


@pytest.fixture
async def connect(background):
    """Opens sockets to the real application; disconnects them afterwards."""
    opened: list[WebsocketCommunicator] = []

    async def connect_(
        path: str,
        *,
        user=None,
        origin: tuple[bytes, bytes] | None = ORIGIN,
        headers: list[tuple[bytes, bytes]] = (),
    ):
        headers = [*([origin] if origin else []), *headers]
        if user is not None:
            headers.append((b"cookie", await session_cookie(user)))
        communicator = WebsocketCommunicator(application, path, headers=headers)
        opened.append(communicator)
        connected, code = await communicator.connect(timeout=10)
        return connected, code, Socket(communicator)

    yield connect_
    for communicator in opened:
        await communicator.disconnect(timeout=5)


@pytest.fixture
async def tab(use_assistant, connect, thread, user):
    """A signed-in tab on the user's thread, past its snapshot, with the echo assistant."""
    use_assistant("echo")
    connected, _, socket = await connect(path_of(thread), user=user)
    assert connected
    await socket.until(lambda f: 'id="messages"' in f)
    return socket


def path_of(thread) -> str:
    return f"/ws/threads/{thread.id}/"


async def replies(thread) -> list[Message]:
    return [
        m async for m in Message.objects.filter(thread=thread, author_kind=Message.Author.ASSISTANT)
    ]


def final_of(message_id) -> Callable[[str], bool]:
    return lambda f: (
        f'id="m-{message_id}"' in f
        and 'hx-swap-oob="outerHTML"' in f
        and ('data-status="streaming"' not in f)
    )


async def test_fragments_coming_after_the_socket_closed_itself_are_not_sent(tab, thread):
    """Between its close frame and the page's reply the protocol takes no frame (daphne
    raises, and the consumer would end without its disconnect)."""
    layer = get_channel_layer()
    await layer.group_send(thread_group(thread.id), {"type": "chat.shutdown"})
    await layer.group_send(thread_group(thread.id), {"type": "chat.fragment", "html": "<p>late"})
    while (output := await tab.next_output())["type"] != "websocket.close":
        assert "<p>late" not in output.get("text", "")
    assert output["code"] == CLOSE_SERVICE_RESTART_APP
    assert await tab.communicator.receive_nothing(timeout=0.5)


# -- who may connect -------------------------------------------------------------------------
async def test_anonymous_socket_is_closed_as_unauthenticated(connect, thread):
    connected, _, socket = await connect(path_of(thread))
    assert connected  # accepted, so that the page can read the close code
    assert await socket.next_output() == {"type": "websocket.close", "code": CLOSE_UNAUTHENTICATED}


async def test_other_users_thread_socket_is_refused(connect, thread, other_user):
    connected, _, socket = await connect(path_of(thread), user=other_user)
    assert connected
    assert await socket.next_output() == {"type": "websocket.close", "code": CLOSE_FORBIDDEN}


@pytest.mark.parametrize("thread_id", [str(uuid.uuid4()), "not-a-uuid", "1"])
async def test_missing_or_malformed_thread_socket_is_refused(connect, user, thread_id):
    connected, _, socket = await connect(f"/ws/threads/{thread_id}/", user=user)
    assert connected
    assert await socket.next_output() == {"type": "websocket.close", "code": CLOSE_FORBIDDEN}


@pytest.mark.parametrize(
    "origin", [(b"origin", b"https://evil.example.com"), (b"origin", b"null"), None]
)
async def test_socket_from_a_foreign_or_missing_origin_is_refused(connect, thread, user, origin):
    connected, _, _ = await connect(path_of(thread), user=user, origin=origin)
    assert not connected


# -- what a tab sees and does ----------------------------------------------------------------
async def test_on_connect_the_socket_receives_a_snapshot_of_the_stored_thread(
    use_assistant, connect, thread, user
):
    use_assistant("echo")
    await database_sync_to_async(make_message)(thread, "What is <b>2+2</b>?")
    await database_sync_to_async(make_message)(
        thread, "It is **4**.", author_kind=Message.Author.ASSISTANT
    )
    connected, _, socket = await connect(path_of(thread), user=user)
    assert connected
    snapshot = await socket.until(lambda f: 'id="messages"' in f)
    assert 'hx-swap-oob="outerHTML"' in snapshot
    assert "What is &lt;b&gt;2+2&lt;/b&gt;?" in snapshot
    assert "It is <strong>4</strong>." in snapshot
    assert snapshot.index("What is") < snapshot.index("It is")


@database_sync_to_async
def drawn_page(user, thread) -> str:
    """The marker of the chat page as just drawn for the user (what its first connect sends)."""
    client = Client()
    client.force_login(user)
    html = client.get(f"/threads/{thread.id}/").content.decode()
    return re.search(r'data-snapshot="([0-9a-f]+)"', html).group(1)


def is_snapshot(frame: str) -> bool:
    return '<div id="messages"' in frame


@database_sync_to_async
def stored_exchange(thread, answer: str) -> None:
    make_message(thread, "What is 2+2?")
    make_message(thread, answer, author_kind=Message.Author.ASSISTANT)


async def test_a_freshly_drawn_page_s_first_connect_is_not_sent_the_thread_again(
    use_assistant, connect, thread, user
):
    use_assistant("echo")
    await stored_exchange(thread, "It is **4**.")
    marker = await drawn_page(user, thread)
    connected, _, socket = await connect(f"{path_of(thread)}?seen={marker}", user=user)
    assert connected
    # The socket works as ever: what comes is the new exchange, and no copy of the page.
    await socket.say("and 3+3?")
    await socket.until(lambda f: echo_of("and 3+3?") in f and 'data-status="done"' in f)
    assert not any(is_snapshot(f) for f in socket.frames)
    assert not any("What is 2+2?" in f for f in socket.frames)


def _new_message(thread) -> None:
    make_message(thread, "written meanwhile", author_kind=Message.Author.ASSISTANT)


def _answer_grew(thread) -> None:
    # Saved as a stream saves its tokens: no timestamp changes with it.
    Message.objects.filter(thread=thread, content="It is").update(content="It is written meanwhile")


def _rated(thread) -> None:
    answer = Message.objects.get(thread=thread, content="It is")
    Feedback.objects.create(
        message=answer, thread=thread, user=thread.owner, value=-1, comment="written meanwhile"
    )


@pytest.mark.parametrize("change", [_new_message, _answer_grew, _rated])
async def test_a_change_between_drawing_the_page_and_its_connect_is_sent(
    use_assistant, connect, thread, user, change
):
    use_assistant("echo")
    await stored_exchange(thread, "It is")
    marker = await drawn_page(user, thread)
    await database_sync_to_async(change)(thread)
    connected, _, socket = await connect(f"{path_of(thread)}?seen={marker}", user=user)
    assert connected
    snapshot = await socket.until(is_snapshot)
    assert "written meanwhile" in snapshot
    assert "What is 2+2?" in snapshot


async def test_a_message_is_stored_and_its_answer_streams_in_as_fragments(tab, thread):
    await tab.say("hello there")
    appended = await tab.until(lambda f: "beforeend:#messages" in f and "message--assistant" in f)
    message_id = re.search(r'id="m-([0-9a-f-]+)"', appended).group(1)
    final = await tab.until(final_of(message_id))

    user_rows = [m async for m in Message.objects.filter(thread=thread, author_kind="user")]
    assert [m.content for m in user_rows] == ["hello there"]
    assert any("hello there" in f and "message--user" in f for f in tab.frames)
    token_frames = [f for f in tab.frames if shows_streamed(f, message_id=message_id)]
    assert token_frames, "no token was appended"
    assert tab.frames.index(token_frames[0]) < tab.frames.index(final)
    assert f"<p>{echo_of('hello there')}</p>" in final
    [reply] = await replies(thread)
    assert (reply.content, reply.status) == (echo_of("hello there"), Message.Status.DONE)


async def test_a_malformed_frame_gets_a_visible_error_and_the_socket_stays_usable(tab, thread):
    await tab.communicator.send_to(text_data="this is not json")
    notice = await tab.until(lambda f: 'id="chat-notice"' in f and "notice--error" in f)
    assert "not valid JSON" in notice

    await tab.send(type="message", content="   ")
    assert "empty" in await tab.until(lambda f: 'id="chat-notice"' in f and "notice--error" in f)

    # Binary frames carry voice, which this assistant does not take.
    await tab.communicator.send_to(bytes_data=b"\x00\x01")
    assert "does not listen to voice" in await tab.until(
        lambda f: 'id="chat-notice"' in f and "notice--error" in f
    )

    await tab.say("still here?")
    await tab.until(lambda f: echo_of("still here?") in f and 'data-status="done"' in f)
    assert [r.content for r in await replies(thread)] == [echo_of("still here?")]


async def test_a_message_that_fails_unexpectedly_comes_back_with_a_notice_on_an_open_socket(
    tab, thread, monkeypatch
):
    from chat.engine import emitter

    stored = emitter._insert_message

    def database_away_once(message, check=None):
        monkeypatch.setattr(emitter, "_insert_message", stored)
        raise OperationalError("the database went away")

    monkeypatch.setattr(emitter, "_insert_message", database_away_once)
    await tab.say("lost?")
    notice = await tab.until(lambda f: 'id="chat-notice"' in f and "notice--error" in f)
    assert "data-keep-draft" in notice  # the page puts the text back in the composer

    await tab.say("lost?")
    await tab.until(lambda f: echo_of("lost?") in f and 'data-status="done"' in f)
    assert [r.content for r in await replies(thread)] == [echo_of("lost?")]


async def test_stop_cancels_a_long_answer_and_keeps_what_was_written(tab, thread):
    await tab.say("long")
    await tab.until(lambda f: shows_streamed(f, "word"))

    await tab.send(type="stop")
    stopped = await tab.until(lambda f: 'data-status="stopped"' in f)

    assert "Stopped" in stopped
    [reply] = await replies(thread)
    assert reply.status == Message.Status.STOPPED
    assert reply.content
    assert long_answer().startswith(reply.content)
    assert len(reply.content.split()) < LONG_WORDS


async def test_a_message_re_sent_with_the_same_client_id_is_stored_once(tab, thread):
    await tab.say("only once", client_id="client-1")
    await tab.say("only once", client_id="client-1")
    # Runs are handled in order: once this one is answered, the duplicate was handled too.
    await tab.say("next")
    await tab.until(lambda f: echo_of("next") in f and 'data-status="done"' in f)

    rows = [m async for m in Message.objects.filter(thread=thread).order_by("order")]
    # "next" may be stored before the first answer starts (each message is stored as it
    # arrives): what holds is one message each, each answered once, in the order sent.
    assert [m.content for m in rows if m.author_kind == Message.Author.USER] == [
        "only once",
        "next",
    ]
    assert [m.content for m in rows if m.author_kind == Message.Author.ASSISTANT] == [
        echo_of("only once"),
        echo_of("next"),
    ]
    shown_to_the_page = [f for f in tab.frames if "message--user" in f and "only once" in f]
    assert len(shown_to_the_page) == 1


async def test_two_sockets_on_the_same_thread_both_receive_the_stream(tab, connect, thread, user):
    connected, _, second = await connect(path_of(thread), user=user)
    assert connected
    await second.until(lambda f: 'id="messages"' in f)

    await tab.say("to both tabs")
    for socket in (tab, second):
        await socket.until(shows_streamed)
        await socket.until(lambda f: echo_of("to both tabs") in f and 'data-status="done"' in f)


async def test_the_asking_tab_and_another_tab_get_each_frame_once_in_the_same_order(
    tab, connect, thread, user
):
    # The asking tab's frames go to it directly, the other's through the channel layer;
    # the run state, which each tab's session says, through the layer to both.
    connected, _, second = await connect(path_of(thread), user=user)
    assert connected
    await second.until(lambda f: 'id="messages"' in f)

    def from_the_question(frames: list[str]) -> list[str]:
        start = next(i for i, f in enumerate(frames) if "same for both" in f)
        return frames[start:]

    def run_states(frames: list[str]) -> list[str]:
        return [f for f in frames if 'id="run-state"' in f]

    def run_ended(socket) -> bool:
        # The run's own end, not the idle state the tab was drawn with.
        states = run_states(from_the_question(socket.frames))
        return len(states) >= 2 and 'data-running="false"' in states[-1]

    await tab.say("same for both")
    for socket in (tab, second):
        await socket.until(lambda f: echo_of("same for both") in f and 'data-status="done"' in f)
        if not run_ended(socket):
            await socket.until(lambda f, s=socket: run_ended(s))

    asked, other = from_the_question(tab.frames), from_the_question(second.frames)
    assert "message--user" in asked[0]
    assert [f for f in asked if f not in run_states(asked)] == [
        f for f in other if f not in run_states(other)
    ]
    # The run state is said by each tab's session (on Redis, heard at different moments):
    # both tabs end showing the run over.
    assert 'data-running="false"' in run_states(asked)[-1]
    assert 'data-running="false"' in run_states(other)[-1]
    shown = [f for f in asked if f not in run_states(asked)]
    assert len(set(shown)) == len(shown)


async def test_a_refused_socket_gets_no_snapshot_of_the_thread(connect, user, other_user):
    theirs = await database_sync_to_async(make_thread)(other_user)
    await database_sync_to_async(make_message)(theirs, "secret plans")
    _, _, socket = await connect(path_of(theirs), user=user)
    output = await socket.next_output()
    assert output == {"type": "websocket.close", "code": CLOSE_FORBIDDEN}


SESSION_REQUEST_APP = """
import chat.sdk as cl


@cl.on_message
async def main(message: cl.Message):
    session = cl.context.session
    await cl.Message(
        content=f"{session.language}|{session.http_referer}|"
        f"{session.environ.get('HTTP_USER_AGENT')}|{'HTTP_COOKIE' in session.environ}"
    ).send()
"""


async def test_the_session_knows_the_page_language_and_headers_but_not_the_cookie(
    use_assistant, connect, thread, user, tmp_path
):
    app = tmp_path / "session_request_app.py"
    app.write_text(SESSION_REQUEST_APP)
    use_assistant(str(app))
    connected, _, socket = await connect(
        path_of(thread),
        user=user,
        headers=[
            (b"referer", b"http://localhost/intranet/help"),
            (b"user-agent", b"Browser/1.0"),
            (b"accept-language", b"fr"),
        ],
    )
    assert connected
    await socket.say("who am I talking to?")

    answer = await socket.until(lambda f: "Browser/1.0" in f)

    assert "fr|http://localhost/intranet/help|Browser/1.0|False" in answer

"""Nobody reaches what is not theirs over the websocket: not a thread by its id, not a
message, button, question or upload of another thread named in a frame; nor a socket
from a foreign page or without a session."""

from __future__ import annotations

import uuid

import pytest
from asgiref.sync import sync_to_async

from chat.models import Element, Message
from chat.web.consumers import CLOSE_FORBIDDEN, CLOSE_UNAUTHENTICATED
from tests.chat.web.test_consumers import path_of
from tests.factories import make_thread

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
async def own_tab(connect, attacker, victim, use_assistant):
    """The attacker's socket on their own thread, with the echo assistant."""
    use_assistant("echo")
    thread = await sync_to_async(make_thread)(attacker)
    connected, _, socket = await connect(path_of(thread), user=attacker)
    assert connected
    await socket.until(lambda f: 'id="messages"' in f)
    socket.thread = thread
    return socket


def notice(frame: str) -> bool:
    return 'id="chat-notice"' in frame and "notice--" in frame


async def test_a_socket_on_another_persons_thread_is_closed(connect, victim, attacker):
    connected, _, socket = await connect(path_of(victim.thread), user=attacker)
    assert connected
    assert await socket.next_output() == {"type": "websocket.close", "code": CLOSE_FORBIDDEN}


async def test_a_socket_without_a_session_is_closed(connect, victim):
    connected, _, socket = await connect(path_of(victim.thread))
    assert connected
    assert await socket.next_output() == {"type": "websocket.close", "code": CLOSE_UNAUTHENTICATED}


@pytest.mark.parametrize(
    "origin",
    [b"https://evil.example.com", b"http://localhost.evil.example", b"null", b"http://127.0.0.2"],
)
async def test_a_socket_from_a_foreign_page_is_refused_before_anything(
    connect,
    victim,
    origin,
):
    connected, _, _ = await connect(
        path_of(victim.thread), user=victim.user, origin=(b"origin", origin)
    )
    assert not connected


async def test_clicking_a_button_of_another_thread_does_nothing(own_tab, victim):
    await own_tab.send(type="action", message_id=str(victim.answer.id), action_id="act-1")
    frame = await own_tab.until(notice)
    assert "no longer available" in frame


async def test_answering_a_question_of_another_thread_does_nothing(own_tab, victim):
    await own_tab.send(type="ask_action", ask_id=str(victim.answer.id), action_id="act-1")
    await own_tab.until(notice)
    await own_tab.send(
        type="ask_files", ask_id=str(victim.answer.id), file_ids=[str(victim.pending_upload.id)]
    )
    await own_tab.until(notice)
    pending = await Element.objects.aget(pk=victim.pending_upload.pk)
    assert pending.thread_id == victim.thread.id
    assert pending.message_id is None


async def test_sending_another_persons_upload_with_a_message_is_refused(own_tab, victim):
    await own_tab.send(
        type="message",
        content="look",
        client_id=uuid.uuid4().hex,
        file_ids=[str(victim.pending_upload.id), str(victim.element.id)],
    )
    await own_tab.until(notice)
    assert not await Message.objects.filter(thread=own_tab.thread).aexists()
    pending = await Element.objects.aget(pk=victim.pending_upload.pk)
    assert (pending.thread_id, pending.message_id) == (victim.thread.id, None)
    element = await Element.objects.aget(pk=victim.element.pk)
    assert element.message_id == victim.answer.id


async def test_editing_a_message_of_another_thread_changes_nothing(own_tab, victim):
    await own_tab.send(type="edit", message_id=str(victim.question.id), content="pwned")
    await own_tab.until(notice)
    question = await Message.objects.aget(pk=victim.question.pk)
    assert question.content == "What is Bob's salary?"

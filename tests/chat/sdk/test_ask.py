"""`AskUserMessage`, `AskFileMessage` and `AskActionMessage`: shown, answered in Chainlit's
shapes, None on timeout, refused clearly, and still answerable after a reconnect."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils.html import escapejs

from chat.engine import asks, uploads
from chat.models import Element, Message, Thread
from chatproject.asgi import application
from tests.chat.web.test_consumers import ORIGIN, Socket, path_of, session_cookie
from tests.drivers import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff"
    b"\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)
FIRST_ONLY = "Please answer the question above first."
CLOSED = "This question is no longer open."


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
async def chat(use_assistant, open_chat, thread, user):
    use_assistant("interactive")
    return await open_chat(thread, user)


@pytest.fixture
async def sockets(background, use_assistant):
    """Opens signed-in sockets on threads, with the interactive assistant; closes them."""
    use_assistant("interactive")
    opened: list[WebsocketCommunicator] = []

    async def open_(thread, user) -> Socket:
        headers = [ORIGIN, (b"cookie", await session_cookie(user))]
        communicator = WebsocketCommunicator(application, path_of(thread), headers=headers)
        opened.append(communicator)
        connected, _ = await communicator.connect(timeout=10)
        assert connected
        socket = Socket(communicator)
        await socket.until(lambda f: 'id="messages"' in f)
        return socket

    yield open_
    for communicator in opened:
        await communicator.disconnect(timeout=5)


# -- helpers ----------------------------------------------------------------------------------
async def open_question(thread, kind: str) -> Message:
    """The thread's pending question of this kind, once it is shown."""

    async def find():
        async for message in Message.objects.filter(thread=thread).order_by("-order"):
            ask = message.metadata.get("ask")
            if ask and ask["kind"] == kind and ask["status"] == "pending":
                return message
        return None

    await wait_for(find, what=f"a {kind} question")
    return await find()


async def reply_with(thread, content: str) -> Message:
    async def found():
        return await Message.objects.filter(thread=thread, content=content).afirst()

    await wait_for(found, what=f"a reply {content!r}")
    return await found()


async def ask_state(message: Message) -> dict:
    return (await Message.objects.aget(pk=message.pk)).metadata["ask"]


@sync_to_async
def upload(thread, user, *files: tuple[str, bytes]) -> list[str]:
    """Uploads files over HTTP, as the page does; their ids."""
    client = Client()
    client.force_login(user)
    response = client.post(
        reverse("chat:upload", args=[thread.pk]),
        {"files": [SimpleUploadedFile(name, content) for name, content in files]},
    )
    assert response.status_code == 200, response.content
    return [f["id"] for f in response.json()["files"]]


def is_file(path: str) -> bool:
    return Path(path).is_file()


def answers(chat) -> list:
    return chat.session.user_session["answers"]


def notice(text: str):
    return lambda f: 'id="chat-notice"' in f and text in f


async def user_messages(thread) -> list[str]:
    return [
        m.content
        async for m in Message.objects.filter(thread=thread, author_kind=Message.Author.USER)
    ]


# -- text --------------------------------------------------------------------------------------
async def test_a_typed_message_answers_a_text_question_in_chainlits_shape(chat):
    await chat.send("ask-text", wait=False)
    question = await open_question(chat.thread, "text")
    assert question.content == "What is your name?"
    shown = await chat.tab.until(lambda f: f'id="m-{question.id}"' in f and "ask--text" in f)
    assert 'data-ask="text"' in shown

    await chat.send("Ada")

    [answer] = answers(chat)
    assert answer["output"] == "Ada"
    assert answer["type"] == "user_message"
    assert (await chat.last_reply()).content == "Hello Ada"
    # The answer is a user message of the thread, not a new run of on_message.
    assert await user_messages(chat.thread) == ["ask-text", "Ada"]
    state = await ask_state(question)
    assert (state["status"], state["answer"]) == ("answered", "Ada")


async def test_a_text_question_not_answered_in_time_returns_none(chat):
    chat.session.user_session["timeout"] = 0.3
    await chat.send("ask-text")
    assert answers(chat) == [None]
    assert (await chat.last_reply()).content == "Hello nobody"
    question = await Message.objects.aget(thread=chat.thread, content="What is your name?")
    assert (await ask_state(question))["status"] == "expired"
    expired = await chat.tab.until(
        lambda f: f'id="m-{question.id}"' in f and 'data-ask-status="expired"' in f
    )
    assert "not answered in time" in expired
    # A message typed afterwards is an ordinary message again.
    await chat.send("later")
    assert (await chat.last_reply()).content == "echo: later"


async def test_raise_on_timeout_raises_timeout_error(chat):
    chat.session.user_session["timeout"] = 0.2
    await chat.send("ask-raise")
    assert answers(chat) == ["raised TimeoutError"]


# -- buttons -----------------------------------------------------------------------------------
async def test_a_click_answers_an_action_question_with_the_chosen_actions_dict(chat):
    await chat.send("ask-action", wait=False)
    question = await open_question(chat.thread, "action")
    offered = question.metadata["ask"]["actions"]
    assert [a["label"] for a in offered] == ["✅ Continue", "❌ Cancel"]
    shown = await chat.tab.until(lambda f: f'id="m-{question.id}"' in f and "ask--action" in f)
    for action in offered:
        assert escapejs(action["id"]) in shown

    await chat.session.answer_with_action(str(question.id), offered[0]["id"])
    await chat.idle()

    [answer] = answers(chat)
    assert answer["name"] == "continue"
    assert answer["payload"] == {"value": "yes"}
    assert answer["label"] == "✅ Continue"
    assert answer["id"] == offered[0]["id"]
    assert answer["forId"] == str(question.id)
    assert (await chat.last_reply()).content == "Chose yes"
    state = await ask_state(question)
    assert (state["status"], state["answer"]) == ("answered", "✅ Continue")


async def test_a_question_the_app_removes_once_answered_leaves_the_conversation(chat):
    await chat.send("ask-then-remove", wait=False)
    question = await open_question(chat.thread, "action")
    [offered] = question.metadata["ask"]["actions"]
    await chat.session.answer_with_action(str(question.id), offered["id"])
    await chat.idle()

    assert (await chat.last_reply()).content == "Removed after keep"
    assert not await Message.objects.filter(pk=question.pk).aexists()
    await chat.tab.until(lambda f: f'<div id="m-{question.id}" hx-swap-oob="delete">' in f)


async def test_an_action_not_offered_is_refused_and_the_question_stays_open(chat):
    await chat.send("ask-action", wait=False)
    question = await open_question(chat.thread, "action")
    with pytest.raises(asks.AskUnavailable, match="not one of the offered answers"):
        await chat.session.answer_with_action(str(question.id), str(uuid.uuid4()))
    assert (await ask_state(question))["status"] == "pending"

    cancel = question.metadata["ask"]["actions"][1]
    await chat.session.answer_with_action(str(question.id), cancel["id"])
    await chat.idle()
    assert answers(chat)[0]["payload"] == {"value": "no"}
    # Answered once: a second answer finds the question closed.
    with pytest.raises(asks.AskUnavailable, match=CLOSED):
        await chat.session.answer_with_action(str(question.id), cancel["id"])


async def test_an_action_question_not_answered_in_time_returns_none(chat):
    chat.session.user_session["timeout"] = 0.3
    await chat.send("ask-action")
    assert answers(chat) == [None]
    question = await Message.objects.aget(thread=chat.thread, content="Continue?")
    assert (await ask_state(question))["status"] == "expired"
    with pytest.raises(asks.AskUnavailable, match=CLOSED):
        await chat.session.answer_with_action(
            str(question.id), question.metadata["ask"]["actions"][0]["id"]
        )


# -- files -------------------------------------------------------------------------------------
async def test_uploaded_files_answer_a_file_question_as_ask_file_responses(chat, user):
    await chat.send("ask-file", wait=False)
    question = await open_question(chat.thread, "file")
    spec = question.metadata["ask"]
    assert (spec["accept"], spec["max_files"], spec["max_size_mb"]) == (
        ["text/plain", "text/csv"],
        2,
        1,
    )
    shown = await chat.tab.until(lambda f: f'id="m-{question.id}"' in f and "ask--file" in f)
    assert "data-ask-files" in shown
    assert "multiple" in shown

    ids = await upload(chat.thread, user, ("notes.txt", b"first file"), ("data.csv", b"a,b\n1,2\n"))
    await chat.session.answer_with_files(str(question.id), tuple(ids))
    await chat.idle()

    first, second = answers(chat)[0]
    assert first["class"] == "AskFileResponse"
    assert (first["id"], first["name"], first["size"], first["type"]) == (
        ids[0],
        "notes.txt",
        10,
        "text/plain",
    )
    assert first["text"] == "first file"
    assert is_file(first["path"])
    assert (second["name"], second["type"], second["text"]) == (
        "data.csv",
        "text/csv",
        "a,b\n1,2\n",
    )
    assert (await chat.last_reply()).content == "Got notes.txt, data.csv"
    # The files now belong to the question's message.
    owners = {e.message_id async for e in Element.objects.filter(pk__in=ids)}
    assert owners == {question.id}
    state = await ask_state(question)
    assert (state["status"], state["answer"]) == ("answered", "notes.txt, data.csv")


async def test_files_the_question_does_not_accept_are_refused_and_it_stays_open(chat, user):
    await chat.send("ask-file", wait=False)
    question = await open_question(chat.thread, "file")

    [image] = await upload(chat.thread, user, ("picture.png", PNG))
    with pytest.raises(uploads.UploadRefused, match="not accepted"):
        await chat.session.answer_with_files(str(question.id), (image,))
    three = await upload(chat.thread, user, *[(f"{i}.txt", b"text") for i in range(3)])
    with pytest.raises(uploads.UploadRefused, match="At most 2"):
        await chat.session.answer_with_files(str(question.id), tuple(three))
    with pytest.raises(uploads.UploadRefused):
        await chat.session.answer_with_files(str(question.id), ("not-an-id",))
    assert (await ask_state(question))["status"] == "pending"

    await chat.session.answer_with_files(str(question.id), (three[0],))
    await chat.idle()
    [[answer]] = answers(chat)
    assert (answer["name"], answer["text"]) == ("0.txt", "text")


async def test_a_file_question_not_answered_in_time_returns_none(chat):
    chat.session.user_session["timeout"] = 0.3
    await chat.send("ask-file")
    assert answers(chat) == [None]
    assert (await chat.last_reply()).content == "No file"


@pytest.mark.parametrize("command", ["ask-file", "ask-action"])
async def test_a_typed_message_is_refused_while_a_file_or_button_question_waits(chat, command):
    await chat.send(command, wait=False)
    await open_question(chat.thread, command.removeprefix("ask-"))
    with pytest.raises(asks.AskPending, match=FIRST_ONLY):
        await chat.session.receive_message("just typing", uuid.uuid4().hex)
    assert await user_messages(chat.thread) == [command]


# -- over the websocket, and across a reconnect ---------------------------------------------------
async def test_a_typed_message_over_the_socket_gets_a_notice_while_a_button_question_waits(
    sockets, thread, user
):
    tab = await sockets(thread, user)
    await tab.say("ask-action")
    await open_question(thread, "action")
    await tab.say("hello?")
    assert FIRST_ONLY in await tab.until(notice(FIRST_ONLY))
    assert await user_messages(thread) == ["ask-action"]


async def test_a_button_question_survives_a_reconnect_and_is_answered_on_the_new_socket(
    sockets, thread, user
):
    first = await sockets(thread, user)
    await first.say("ask-action")
    question = await open_question(thread, "action")
    await first.communicator.disconnect(timeout=5)

    second = await sockets(thread, user)
    snapshot = second.frames[0]
    assert f'id="m-{question.id}"' in snapshot
    assert 'data-ask="action"' in snapshot
    cont = question.metadata["ask"]["actions"][0]
    await second.send(type="ask_action", ask_id=str(question.id), action_id=cont["id"])
    await reply_with(thread, "Chose yes")
    await second.until(lambda f: "Chose yes" in f)

    # The question is closed: answering again gets a clear notice.
    await second.send(type="ask_action", ask_id=str(question.id), action_id=cont["id"])
    assert CLOSED in await second.until(notice(CLOSED))


async def test_a_text_question_survives_a_reconnect(sockets, thread, user):
    first = await sockets(thread, user)
    await first.say("ask-text")
    await open_question(thread, "text")
    await first.communicator.disconnect(timeout=5)

    second = await sockets(thread, user)
    await second.say("Grace")
    await reply_with(thread, "Hello Grace")


async def test_a_file_question_is_answered_over_the_socket_after_a_reconnect(sockets, thread, user):
    first = await sockets(thread, user)
    await first.say("ask-file")
    question = await open_question(thread, "file")
    await first.communicator.disconnect(timeout=5)

    second = await sockets(thread, user)
    ids = await upload(thread, user, ("a.txt", b"alpha"), ("b.txt", b"beta"))
    await second.send(type="ask_files", ask_id=str(question.id), file_ids=",".join(ids))
    await reply_with(thread, "Got a.txt, b.txt")
    state = await ask_state(question)
    assert (state["status"], state["answer"]) == ("answered", "a.txt, b.txt")


async def test_answers_naming_a_foreign_or_malformed_question_get_a_clear_notice(
    sockets, thread, user, other_user
):
    theirs = await Thread.objects.acreate(owner=other_user)
    their_tab = await sockets(theirs, other_user)
    await their_tab.say("ask-action")
    their_question = await open_question(theirs, "action")
    their_action = their_question.metadata["ask"]["actions"][0]

    tab = await sockets(thread, user)
    for ask_id, action_id in [
        (str(their_question.id), their_action["id"]),
        ("not-a-uuid", "x"),
        (str(uuid.uuid4()), "x"),
    ]:
        tab.frames.clear()
        await tab.send(type="ask_action", ask_id=ask_id, action_id=action_id)
        await tab.until(notice(CLOSED))
    tab.frames.clear()
    await tab.send(type="ask_files", ask_id="not-a-uuid", file_ids="")
    await tab.until(notice(CLOSED))
    # Their question is still open, for them.
    assert (await ask_state(their_question))["status"] == "pending"

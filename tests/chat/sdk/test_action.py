"""`cl.Action` and `@cl.action_callback`: buttons stored with their message, clicked over
the websocket, removed, and refused clearly when they are gone or not this thread's."""

from __future__ import annotations

import re

import pytest
from channels.testing import WebsocketCommunicator
from django.utils.html import escapejs

from chat.engine import actions
from chat.models import Message, Thread
from chatproject.asgi import application
from tests.chat.web.test_consumers import ORIGIN, Socket, path_of, session_cookie
from tests.drivers import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

GONE = "This button is no longer available."


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


async def disconnect(socket: Socket) -> None:
    await socket.communicator.disconnect(timeout=5)


async def seen(tab: Socket, predicate, within: float = 10.0) -> str:
    """A frame read already or still to come for which predicate holds."""
    for frame in tab.frames:
        if predicate(frame):
            return frame
    return await tab.until(predicate, within=within)


def js(action: dict) -> str:
    """An action's id as the button's hx-vals carry it (escaped for JavaScript)."""
    return escapejs(action["id"])


def notice(text: str):
    return lambda f: 'id="chat-notice"' in f and text in f


async def buttons_message(thread) -> Message:
    async def found():
        return await Message.objects.filter(thread=thread, content="Choose:").afirst()

    await wait_for(found, what="the message with the buttons")
    return await found()


def action_named(message: Message, label: str) -> dict:
    [action] = [a for a in message.metadata["actions"] if a["label"] == label]
    return action


async def reply_with(thread, content: str) -> Message:
    async def found():
        return await Message.objects.filter(thread=thread, content=content).afirst()

    await wait_for(found, what=f"a reply {content!r}")
    return await found()


async def saved_session(thread) -> dict:
    return (await Thread.objects.aget(pk=thread.pk)).metadata.get("user_session", {})


# -- through a chat session ------------------------------------------------------------------
async def test_actions_are_stored_with_their_message_and_pushed_as_buttons(chat):
    await chat.send("buttons")
    message = await buttons_message(chat.thread)
    stored = message.metadata["actions"]
    assert [(a["name"], a["label"], a["payload"]) for a in stored] == [
        ("pick", "One", {"n": 1}),
        ("pick", "Two", {"n": 2}),
        ("once", "Only once", {"n": 3}),
        ("nobody", "Unhandled", {}),
    ]
    assert {a["forId"] for a in stored} == {str(message.id)}
    pushed = await chat.tab.until(lambda f: f'id="m-{message.id}-actions"' in f)
    for action in stored:
        assert f'"action_id": "{js(action)}"' in pushed
    assert 'title="the first"' in pushed
    assert "✌" in pushed


async def test_a_click_runs_the_callback_with_the_action_and_its_payload(chat):
    await chat.send("buttons")
    message = await buttons_message(chat.thread)
    two = action_named(message, "Two")

    await chat.session.click_action(str(message.id), two["id"])
    await chat.idle()

    assert chat.session.user_session["clicks"] == [
        {
            "name": "pick",
            "payload": {"n": 2},
            "label": "Two",
            "for_id": str(message.id),
            "id": two["id"],
        }
    ]
    assert (await chat.last_reply()).content == "picked 2"
    # The buttons stay: a button can be clicked again until the app removes it.
    await chat.session.click_action(str(message.id), two["id"])
    await chat.idle()
    assert len(chat.session.user_session["clicks"]) == 2


async def test_an_action_sent_later_for_a_message_works_too(chat):
    await chat.send("later-button")
    message = await Message.objects.aget(thread=chat.thread, content="A button is coming")
    [late] = message.metadata["actions"]
    assert (late["label"], late["forId"]) == ("Late", str(message.id))
    await chat.tab.until(lambda f: f'id="m-{message.id}-actions"' in f and js(late) in f)

    await chat.session.click_action(str(message.id), late["id"])
    await chat.idle()
    assert (await chat.last_reply()).content == "picked 9"


async def test_remove_takes_the_button_away_and_a_later_click_is_refused(chat):
    await chat.send("buttons")
    message = await buttons_message(chat.thread)
    once = action_named(message, "Only once")

    await chat.session.click_action(str(message.id), once["id"])
    await chat.idle()

    message = await Message.objects.aget(pk=message.pk)
    assert once["id"] not in [a["id"] for a in message.metadata["actions"]]
    assert len(message.metadata["actions"]) == 3
    pushed = await chat.tab.until(
        lambda f: (
            f'id="m-{message.id}-actions"' in f
            and 'hx-swap-oob="outerHTML"' in f
            and js(once) not in f
        )
    )
    assert "One" in pushed
    assert "Only once" not in pushed
    with pytest.raises(actions.ActionUnavailable, match=GONE):
        await chat.session.click_action(str(message.id), once["id"])


async def test_remove_actions_takes_every_button_of_the_message_away(chat):
    await chat.send("buttons-then-none")
    message = await Message.objects.filter(
        thread_id=chat.thread.pk, content="Too late to choose"
    ).aget()
    assert message.metadata.get("actions", []) == []


# -- over the websocket ----------------------------------------------------------------------
async def test_a_click_frame_runs_the_callback_and_a_removed_button_gets_a_clear_notice(
    sockets, thread, user
):
    tab = await sockets(thread, user)
    await tab.say("buttons")
    message = await buttons_message(thread)
    once = action_named(message, "Only once")

    await tab.send(type="action", message_id=str(message.id), action_id=once["id"])
    await seen(tab, lambda f: "removed the button" in f)
    removed = await seen(
        tab, lambda f: f'id="m-{message.id}-actions"' in f and 'hx-swap-oob="outerHTML"' in f
    )
    assert js(once) not in removed
    assert js(action_named(message, "One")) in removed

    await tab.send(type="action", message_id=str(message.id), action_id=once["id"])
    assert GONE in await tab.until(notice(GONE))
    # Nothing ran a second time.
    replies = [m async for m in Message.objects.filter(thread=thread, content="removed the button")]
    assert len(replies) == 1


async def test_a_click_naming_another_threads_message_or_action_gets_the_same_error(
    sockets, thread, user, other_user
):
    # Someone else's thread, with a real button.
    theirs = await Thread.objects.acreate(owner=other_user)
    their_tab = await sockets(theirs, other_user)
    await their_tab.say("buttons")
    their_message = await buttons_message(theirs)
    their_action = action_named(their_message, "One")
    # The user's own other thread, with a real button too.
    mine_elsewhere = await Thread.objects.acreate(owner=user)
    other_tab = await sockets(mine_elsewhere, user)
    await other_tab.say("buttons")
    elsewhere = await buttons_message(mine_elsewhere)

    tab = await sockets(thread, user)
    await tab.say("buttons")
    here = await buttons_message(thread)
    for message_id, action_id in [
        (str(their_message.id), their_action["id"]),
        (str(elsewhere.id), action_named(elsewhere, "One")["id"]),
        # A button of this thread, named with a message of another one.
        (str(elsewhere.id), action_named(here, "One")["id"]),
        (str(here.id), their_action["id"]),
        ("not-a-uuid", "x"),
    ]:
        tab.frames.clear()
        await tab.send(type="action", message_id=message_id, action_id=action_id)
        await tab.until(notice(GONE))

    assert not [m async for m in Message.objects.filter(content="picked 1")]
    assert (await saved_session(theirs)).get("clicks") == []


async def test_a_click_on_a_button_nobody_handles_gets_a_clear_notice(sockets, thread, user):
    tab = await sockets(thread, user)
    await tab.say("buttons")
    message = await buttons_message(thread)
    nobody = action_named(message, "Unhandled")
    await tab.send(type="action", message_id=str(message.id), action_id=nobody["id"])
    text = await tab.until(notice("Nothing handles"))
    assert "nobody" in text


async def test_buttons_still_work_after_a_reconnect(sockets, thread, user):
    first = await sockets(thread, user)
    await first.say("buttons")
    message = await buttons_message(thread)
    one = action_named(message, "One")
    await wait_for(
        lambda: not thread_running(thread), what="the first socket's run to end", within=10
    )
    await disconnect(first)

    # A new socket (a reload, another tab): the snapshot shows the buttons again...
    second = await sockets(thread, user)
    snapshot = second.frames[0]
    assert f'"action_id": "{js(one)}"' in snapshot
    # ...and they work, on the rebuilt session.
    await second.send(type="action", message_id=str(message.id), action_id=one["id"])
    reply = await reply_with(thread, "picked 1")
    assert reply.author_kind == Message.Author.ASSISTANT
    await wait_for(lambda: saved_clicks(thread), what="the click saved with the session", within=10)


def thread_running(thread) -> bool:
    from chat.engine import control

    return control.control().running(thread.id)


async def saved_clicks(thread) -> list:
    return (await saved_session(thread)).get("clicks") or []


async def test_the_buttons_render_on_the_reloaded_page(chat, user, thread):
    from asgiref.sync import sync_to_async
    from django.test import Client
    from django.urls import reverse

    await chat.send("buttons")
    message = await buttons_message(thread)

    @sync_to_async
    def page() -> str:
        client = Client()
        client.force_login(user)
        return client.get(reverse("chat:thread", args=[thread.pk])).content.decode()

    html = await page()
    block = re.search(rf'<div id="m-{message.id}-actions".*?</div>', html, re.S).group(0)
    assert block.count("<button") == 4
    for action in message.metadata["actions"]:
        assert js(action) in block

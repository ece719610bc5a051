"""`cl.user_session`: any Python object per session; JSON values survive a reconnect."""

from __future__ import annotations

import json

import pytest
from asgiref.sync import sync_to_async

import chat.sdk as cl
from chat.engine.context import NoChatContextError
from chat.models import Message, Thread
from tests.drivers import wait_for
from tests.factories import make_message

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
async def chat(use_assistant, open_chat, thread, user):
    use_assistant("features")
    return await open_chat(thread, user)


async def test_a_value_changed_in_place_keeps_its_change_across_messages(chat):
    await chat.send("remember apples")
    await chat.send("remember pears")
    await chat.send("recall")
    assert json.loads((await chat.last_reply()).content) == ["apples", "pears"]


async def test_any_python_object_is_kept_for_the_life_of_the_session(chat):
    client = chat.session.user_session["client"]
    await chat.send("remember x")
    assert chat.session.user_session["client"] is client


async def test_id_and_user_are_set_as_in_chainlit(chat, user):
    await chat.send("whoami")
    assert json.loads((await chat.last_reply()).content) == {
        "id": chat.session.id,
        "user": user.email,
    }


async def test_json_values_are_saved_with_the_thread_and_others_are_not(chat):
    await chat.send("remember apples")
    saved = await chat.saved_session()
    assert saved["notes"] == ["apples"]
    assert saved["starts"] == 1
    assert "client" not in saved  # an object() is not JSON
    assert "user" not in saved  # rebuilt from the signed-in user, never trusted from storage


async def test_a_later_change_in_place_is_saved_too(chat):
    await chat.send("remember apples")
    await chat.send("hello")  # changes nothing in the session
    await chat.send("remember pears")  # the same list as saved, changed in place
    assert (await chat.saved_session())["notes"] == ["apples", "pears"]


async def test_a_new_session_on_the_thread_gets_the_saved_values_back(
    chat, open_chat, thread, user
):
    await chat.send("remember apples")
    await chat.close()

    again = await open_chat(thread, user)
    assert again.session.id != chat.session.id
    assert again.session.user_session["notes"] == ["apples"]
    await again.send("remember pears")
    await again.send("recall")
    assert json.loads((await again.last_reply()).content) == ["apples", "pears"]


async def test_on_chat_resume_gets_the_thread_with_its_steps_instead_of_on_chat_start(
    chat, open_chat, thread, user
):
    await chat.send("hello")
    await chat.close()

    again = await open_chat(thread, user)
    assert again.session.user_session["starts"] == 1  # on_chat_start did not run again
    assert again.session.user_session["resumed_thread"] == str(thread.id)
    assert again.session.user_session["resumed_with"] == [
        ["user_message", "hello"],
        ["assistant_message", "ok: hello"],
    ]


async def test_a_message_sent_while_the_resume_waits_its_turn_is_not_shown_to_it(
    chat, thread, user
):
    from chat.engine.session import ChatSession

    await chat.send("hello")
    await chat.close()
    await chat.idle()

    again = ChatSession(await Thread.objects.aget(pk=thread.pk), user)
    async with again._run_lock:  # a hook still runs here: the resume waits its turn
        await again.open()
        await again.receive_message("sent meanwhile", "client-1")
    await wait_for(lambda: again._pending == 0, what="an idle session")
    try:
        assert again.user_session["resumed_with"] == [
            ["user_message", "hello"],
            ["assistant_message", "ok: hello"],
        ]
        said = [m.content for m in again.context_messages if m.author != "Assistant"]
        assert said.count("sent meanwhile") == 1
    finally:
        await again.close()
        await wait_for(lambda: again._pending == 0, what="a closed session")


async def test_the_session_is_saved_after_on_chat_end(chat, thread):
    await chat.close()
    await chat.idle()
    saved = (await Thread.objects.aget(pk=thread.pk)).metadata["user_session"]
    assert saved["ended"] is True


async def test_reserved_keys_from_storage_do_not_override_the_live_session(
    thread, user, open_chat, use_assistant
):
    use_assistant("features")
    thread.metadata = {"started": True, "user_session": {"id": "forged", "user": "someone", "x": 1}}
    await thread.asave(update_fields=["metadata"])
    await sync_to_async(make_message)(thread, "hello")  # written in: resumed, not started afresh
    chat = await open_chat(thread, user)
    assert chat.session.user_session["id"] == chat.session.id
    assert chat.session.user_session["user"].identifier == user.email
    assert chat.session.user_session["x"] == 1


@pytest.mark.django_db
def test_user_session_outside_a_hook_says_there_is_no_chat_context():
    with pytest.raises(NoChatContextError):
        cl.user_session.get("id")


SESSION_APP = """
import chat.sdk as cl


@cl.on_message
async def main(message: cl.Message):
    session = cl.context.session
    await cl.Message(
        content=f"{session.chat_profile}|{sorted(session.chat_settings)}|{session.user_env}"
    ).send()
"""


async def test_the_session_names_the_profile_settings_and_env_as_chainlits_does(
    use_assistant, open_chat, thread, user, tmp_path
):
    app = tmp_path / "session_app.py"
    app.write_text(SESSION_APP)
    use_assistant(str(app))
    chat = await open_chat(thread, user)
    chat.session.user_session["chat_profile"] = "Research"
    chat.session.user_session["chat_settings"] = {"model": "large", "temperature": 0.2}
    await chat.send("which?")
    answer = await Message.objects.filter(thread_id=thread.pk, author_kind="assistant").alast()
    assert answer.content == "Research|['model', 'temperature']|{}"

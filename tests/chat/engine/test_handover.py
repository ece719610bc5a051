"""A thread opened while another assistant runs than the one that ran it before."""

from __future__ import annotations

import pytest

from chat.engine import handover
from chat.models import Message, Thread
from tests.drivers import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


async def stored(thread: Thread) -> Thread:
    return await Thread.objects.aget(pk=thread.pk)


async def texts(thread: Thread) -> list[str]:
    rows = Message.objects.filter(thread=thread).order_by("order")
    return [m.content async for m in rows]


async def test_a_chat_nobody_wrote_in_starts_afresh_under_the_assistant_now_running(
    use_assistant, open_chat, thread, user
):
    use_assistant("chat_options")
    first = await open_chat(thread, user)
    await wait_for(lambda: first.session.started, what="on_chat_start")
    await first.close()
    row = await stored(thread)
    assert row.chat_profile == "General"
    assert row.metadata["commands"]

    use_assistant("counter")
    second = await open_chat(await stored(thread), user)
    await wait_for(lambda: second.session.started, what="on_chat_start of the new assistant")
    await second.idle()

    assert await texts(thread) == ["Hello! Say something."]
    row = await stored(thread)
    assert row.chat_profile == ""
    assert "commands" not in row.metadata
    assert "chat_settings_inputs" not in row.metadata
    assert row.metadata["user_session"]["count"] == 0
    # Every tab is told: the old greeting, profile and commands go.
    pushed = await second.tab.until(lambda f: 'id="composer-commands"' in f)
    assert "search" not in pushed
    await second.send("hi")
    assert (await second.last_reply()).content.strip() == "Message 1: you said hi"


async def test_a_conversation_goes_on_without_the_earlier_assistants_widgets(
    use_assistant, open_chat, thread, user
):
    first_target = use_assistant("chat_options")
    first = await open_chat(thread, user)
    await first.send("hello")
    await first.close()

    use_assistant("echo")
    second = await open_chat(await stored(thread), user)

    row = await stored(thread)
    assert "commands" not in row.metadata
    assert "chat_settings_inputs" not in row.metadata
    assert not row.metadata["user_session"].get("chat_settings")
    assert not row.metadata["user_session"].get("chat_profile")
    assert row.chat_profile == ""
    assert row.metadata[handover.EARLIER_KEY] == {
        "assistant": first_target,
        "chat_profile": "General",
    }
    # The conversation itself is kept.
    assert "hello" in await texts(thread)
    assert second.session.commands == []
    assert second.session.settings_inputs == []


async def test_the_same_assistant_resumes_its_chat_as_it_left_it(
    use_assistant, open_chat, thread, user
):
    use_assistant("counter")
    first = await open_chat(thread, user)
    await first.send("one")
    await first.close()

    use_assistant("counter")  # loaded again, as after a restart
    second = await open_chat(await stored(thread), user)
    await second.send("two")

    assert (await second.last_reply()).content.strip() == "Message 2: you said two"
    assert (await texts(thread))[0] == "Hello! Say something."


def test_a_thread_from_before_threads_recorded_their_assistant_keeps_its_conversation(user, thread):
    from tests.factories import make_message

    make_message(thread, "hello")
    thread.metadata.update(commands=[{"id": "search"}])
    thread.chat_profile = "General"
    thread.save()

    adopted, changed = handover.adopt(thread.pk)

    assert not changed
    assert adopted.metadata["commands"] == [{"id": "search"}]
    assert adopted.chat_profile == "General"
    assert not handover.runs_elsewhere(adopted)


def test_a_chat_started_before_threads_recorded_their_assistant_starts_over_if_unwritten(
    user, thread
):
    from tests.factories import make_message

    make_message(thread, "Hello from the demo", author_kind=Message.Author.ASSISTANT)
    thread.metadata.update(started=True, commands=[{"id": "shout"}])
    thread.save()

    adopted, changed = handover.adopt(thread.pk)

    assert changed
    assert not Message.objects.filter(thread=thread).exists()
    assert "commands" not in adopted.metadata
    assert "started" not in adopted.metadata

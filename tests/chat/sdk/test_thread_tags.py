"""`cl.context.session.thread.tags` through a real chat session, and the profile's tag
put on each conversation (Chainlit's auto_tag_thread)."""

from __future__ import annotations

import pytest

from chat.models import Thread
from tests.drivers import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


async def stored_tags(thread) -> list[str]:
    return (await Thread.objects.aget(pk=thread.pk)).tag_list


async def test_tags_set_from_code_are_kept_with_the_thread(use_assistant, open_chat, thread, user):
    use_assistant("tags")
    chat = await open_chat(thread, user)
    await chat.send("tag billing")
    assert (await chat.last_reply()).content == "tags=billing"
    await chat.send("tag urgent")
    assert (await chat.last_reply()).content == "tags=billing,urgent"
    await wait_for(lambda: stored_tags(thread), what="the tags saved")
    assert await stored_tags(thread) == ["billing", "urgent"]
    await chat.send("untag")
    assert await stored_tags(thread) == []


async def test_wrong_tags_fail_the_hook_with_a_clear_error(use_assistant, open_chat, thread, user):
    use_assistant("tags")
    chat = await open_chat(thread, user)
    await chat.send("bad")
    reply = await chat.last_reply()
    assert reply.is_error
    assert "Thread tags must be a list of texts" in reply.content


async def test_a_conversation_is_tagged_with_its_profile(use_assistant, open_chat, thread, user):
    use_assistant("chat_options")
    chat = await open_chat(thread, user)
    await chat.send("hello")
    await wait_for(lambda: stored_tags(thread), what="the profile's tag")
    assert await stored_tags(thread) == ["General"]


async def test_the_profiles_tag_can_be_turned_off(use_assistant, open_chat, thread, user, settings):
    settings.CHAT_AUTO_TAG_THREAD = False
    use_assistant("chat_options")
    chat = await open_chat(thread, user)
    await chat.send("hello")
    await chat.last_reply()
    assert await stored_tags(thread) == []

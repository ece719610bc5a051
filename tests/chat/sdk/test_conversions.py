"""What the engine hands the assistant: the public API's own objects, built in one place,
so a person is the same `cl.User` in a chat, in a job and when profiles are asked for."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async

import chat.sdk as cl
from chat.engine import profiles
from chat.engine.jobs import JobSession
from chat.engine.registry import hooks, public_objects
from chat.engine.session import ChatSession
from chat.models import Thread
from tests.factories import make_message

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def profiles_hook():
    """Registers a set_chat_profiles hook that notes the user it is given."""
    seen: list[cl.User] = []
    previous = hooks.set_chat_profiles

    def offered(current_user: cl.User) -> list[cl.ChatProfile]:
        seen.append(current_user)
        return []

    hooks.set_chat_profiles = offered
    yield seen
    hooks.set_chat_profiles = previous


async def test_a_person_is_the_same_cl_user_in_a_chat_a_job_and_the_profile_choice(
    user, thread, profiles_hook
):
    user.metadata = {"role": "admin"}  # what a sign-in hook kept about them
    await user.asave(update_fields=["metadata"])
    thread = await Thread.objects.select_related("owner").aget(pk=thread.pk)
    expected = cl.PersistedUser(
        id=str(user.pk),
        createdAt=user.date_joined.isoformat(),
        identifier="alice@example.com",
        display_name="Alice",
        metadata={"role": "admin", "id": str(user.pk)},
    )

    await profiles.available(user)

    assert ChatSession(thread, user).user_session["user"] == expected
    assert JobSession(thread).user_session["user"] == expected
    assert profiles_hook == [expected]


async def test_a_stored_message_and_action_reach_hooks_as_cl_objects(thread):
    row = await sync_to_async(make_message)(thread, "What is VAT?")

    message = public_objects.message(row)
    action = public_objects.action({"id": "a1", "name": "approve", "payload": {"n": 1}})

    assert isinstance(message, cl.Message)
    assert (message.id, message.content, message.role) == (str(row.pk), "What is VAT?", "user")
    assert action == cl.Action(name="approve", payload={"n": 1}, id="a1")

"""`@cl.on_feedback`: the app's code sees each rating and comment once it is stored, in
Chainlit's shape, and nothing it does loses the rating."""

from __future__ import annotations

import logging

import pytest
from asgiref.sync import sync_to_async
from django.test import AsyncClient
from django.urls import reverse

import chat.sdk as cl
from chat.engine.registry import hooks
from chat.models import Feedback, Message
from tests.drivers import wait_for
from tests.factories import make_message

pytestmark = pytest.mark.django_db(transaction=True)
HX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _in_process(settings):
    # The hook runs in this process on both backends here; tests/test_celery_jobs.py
    # runs it on a worker.
    settings.CHAT_JOBS_IN_PROCESS = True


@pytest.fixture
async def client(user) -> AsyncClient:
    client = AsyncClient()
    await client.aforce_login(user)
    return client


@pytest.fixture
async def answer(thread) -> Message:
    await sync_to_async(make_message)(thread, "What is 2+2?")
    return await sync_to_async(make_message)(
        thread, "It is 4.", author_kind=Message.Author.ASSISTANT
    )


@pytest.fixture
def seen(monkeypatch) -> list:
    """Ratings the app's hook received (registered as an app registers it)."""
    monkeypatch.setattr(hooks, "on_feedback", None)
    received: list = []

    @cl.on_feedback
    async def forward(feedback: cl.types.Feedback):
        received.append(feedback)

    return received


async def rate(client: AsyncClient, message: Message, **data):
    return await client.post(reverse("chat:feedback", args=[message.id]), data, headers=HX)


async def test_each_rating_reaches_the_hook_once_stored(client, answer, thread, seen):
    response = await rate(client, answer, value="-1", comment="Wrong sum")
    assert response.status_code == 200
    await wait_for(lambda: len(seen) == 1, what="the hook called")
    stored = await Feedback.objects.aget(message=answer)
    assert seen == [
        cl.types.Feedback(
            forId=str(answer.pk),
            value=0,  # Chainlit's thumbs down
            threadId=str(thread.pk),
            id=str(stored.pk),
            comment="Wrong sum",
        )
    ]

    await rate(client, answer, value="1")
    await wait_for(lambda: len(seen) == 2, what="the hook called again")
    assert (seen[1].value, seen[1].comment) == (1, "Wrong sum")


async def test_taking_a_rating_back_is_not_reported(client, answer, seen):
    await rate(client, answer, value="1")
    await wait_for(lambda: len(seen) == 1, what="the hook called")
    await rate(client, answer, value="0")
    assert not await Feedback.objects.filter(message=answer).aexists()
    await rate(client, answer, value="-1")
    await wait_for(lambda: len(seen) == 2, what="the next rating")
    assert [f.value for f in seen] == [1, 0]


async def test_an_error_in_the_hook_keeps_the_rating_and_is_logged(
    client, answer, monkeypatch, caplog
):
    monkeypatch.setattr(hooks, "on_feedback", None)

    @cl.on_feedback
    def broken(feedback):
        raise RuntimeError("evaluation service down")

    with caplog.at_level(logging.ERROR, logger="chat.engine.feedback_hook"):
        response = await rate(client, answer, value="1", comment="Great")
        assert response.status_code == 200
        assert 'aria-pressed="true"' in response.content.decode()
        await wait_for(lambda: "evaluation service down" in caplog.text, what="the error logged")
    assert "the rating is kept" in caplog.text
    stored = await Feedback.objects.aget(message=answer)
    assert (stored.value, stored.comment) == (1, "Great")


async def test_the_hook_may_answer_in_the_rated_conversation(client, answer, thread, monkeypatch):
    monkeypatch.setattr(hooks, "on_feedback", None)

    @cl.on_feedback
    async def thank(feedback):
        if feedback.value == 0:
            await cl.Message(content="Sorry about that: a person will look at it.").send()

    await rate(client, answer, value="-1")

    async def thanked() -> bool:
        return await Message.objects.filter(
            thread=thread, content="Sorry about that: a person will look at it."
        ).aexists()

    await wait_for(thanked, what="the hook's message in the thread")

"""How fast one person may send chat messages: over the limit a message is refused with a
notice saying when to send it again, and the page puts it back in the composer."""

from __future__ import annotations

import logging

import pytest
from django.test.utils import override_settings

from chat.engine.rate_limits import parse_rate
from chat.models import Message
from tests.assistants.echo import echo_of
from tests.chat.test_consumers import path_of
from tests.factories import make_thread

pytestmark = pytest.mark.django_db(transaction=True)


async def user_messages(thread) -> list[str]:
    return [
        m.content
        async for m in Message.objects.filter(
            thread=thread, author_kind=Message.Author.USER
        ).order_by("order")
    ]


def is_notice(frame: str) -> bool:
    return 'id="chat-notice"' in frame and "notice--" in frame


@override_settings(CHAT_MESSAGE_RATE_LIMIT="2/60")
async def test_a_message_over_the_limit_is_refused_with_a_notice_and_not_stored(tab, thread):
    await tab.say("one")
    await tab.say("two")
    await tab.say("three")
    notice = await tab.until(is_notice)
    assert "Your message was not sent" in notice
    assert "send it again in" in notice
    assert "data-keep-draft" in notice  # the page puts "three" back in the composer
    assert await user_messages(thread) == ["one", "two"]


@override_settings(CHAT_MESSAGE_RATE_LIMIT="2/60")
async def test_the_limit_is_per_person_not_per_thread(tab, thread, user, connect):
    await tab.say("one")
    await tab.say("two")
    await tab.until(lambda f: ">two<" in f or "two</" in f)
    other_thread = await make_thread_async(user)
    connected, _, second = await connect(path_of(other_thread), user=user)
    assert connected
    await second.until(lambda f: 'id="messages"' in f)
    await second.say("three, elsewhere")
    await second.until(is_notice)
    assert await user_messages(other_thread) == []


@override_settings(CHAT_MESSAGE_RATE_LIMIT="2/60")
async def test_other_people_are_not_slowed_by_someone_elses_limit(tab, other_user, connect):
    for text in ("one", "two", "three"):
        await tab.say(text)
    await tab.until(is_notice)
    their_thread = await make_thread_async(other_user)
    connected, _, theirs = await connect(path_of(their_thread), user=other_user)
    assert connected
    await theirs.until(lambda f: 'id="messages"' in f)
    await theirs.say("hello")
    await theirs.until(lambda f: "hello" in f and "message--user" in f)
    assert await user_messages(their_thread) == ["hello"]


@override_settings(CHAT_MESSAGE_RATE_LIMIT="")
async def test_an_empty_limit_lets_every_message_through(tab, thread):
    for number in range(25):
        await tab.say(f"m{number}")
    await tab.say("last")
    await tab.until(lambda f: "last" in f and "message--user" in f)
    assert len(await user_messages(thread)) == 26


@pytest.mark.parametrize(
    ("rate", "parsed"),
    [("20/60", (20, 60)), ("5/1", (5, 1)), ("", None), ("0", None), ("7", (7, 60))],
)
def test_rates_are_read_as_count_per_seconds(rate, parsed):
    assert parse_rate(rate) == parsed


@pytest.mark.parametrize("rate", ["many/60", "0/60", "5/0", "-1/60"])
def test_a_bad_rate_fails_loudly(rate):
    with pytest.raises(ValueError, match=r"count|invalid literal"):
        parse_rate(rate)


async def make_thread_async(user):
    from asgiref.sync import sync_to_async

    return await sync_to_async(make_thread)(user)


@override_settings(CHAT_MESSAGE_RATE_LIMIT="2/60")
async def test_messages_go_through_while_the_cache_is_away_and_that_is_said_once(
    tab, thread, caplog
):
    from tests.services import free_port

    away = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
        }
    }
    caplog.set_level(logging.WARNING, logger="chat.engine.rate_limits")
    with override_settings(CACHES=away):
        for word in ("one", "two", "three"):
            await tab.say(word)
            await tab.until(lambda f, w=word: echo_of(w) in f and 'data-status="done"' in f)
    # Stored rather than lost: no limit can be counted without the cache.
    assert await user_messages(thread) == ["one", "two", "three"]
    warnings = [r.getMessage() for r in caplog.records if r.name == "chat.engine.rate_limits"]
    assert len(warnings) == 1, warnings
    assert "rate limits are off" in warnings[0]

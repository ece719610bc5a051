"""How fast one person may send chat messages: over the limit a message is refused with a
notice saying when to send it again, and the page puts it back in the composer. Every
other frame that makes the assistant run counts against the same limit."""

from __future__ import annotations

import logging

import pytest
from django.test.utils import override_settings

from chat.engine.rate_limits import parse_rate
from chat.models import Message
from tests.assistants.echo import echo_of
from tests.chat.web.test_consumers import path_of
from tests.chat.web.test_edit_frames import idle_after_start
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


# -- every run of the assistant counts, not only messages -------------------------------------
async def assistant_messages(thread) -> list[str]:
    return [
        m.content
        async for m in Message.objects.filter(
            thread=thread, author_kind=Message.Author.ASSISTANT
        ).order_by("order")
    ]


@pytest.fixture
async def metered_tab(use_assistant, connect, thread, user):
    """A tab whose last answer has a button, with the limit used up by two messages."""
    use_assistant("metered")
    connected, _, socket = await connect(path_of(thread), user=user)
    assert connected
    await idle_after_start(socket)
    for text in ("one", "two"):
        await socket.say(text)
        await socket.until(lambda f, text=text: f"answer to: {text}" in f)
        await socket.until(lambda f: 'data-running="false"' in f)
    return socket


async def frame_fields(kind: str, thread) -> dict:
    rows = [m async for m in Message.objects.filter(thread=thread).order_by("order")]
    last_question = [m for m in rows if m.author_kind == Message.Author.USER][-1]
    answer = [m for m in rows if m.metadata.get("actions")][-1]
    return {
        "edit": {"type": "edit", "message_id": str(last_question.pk), "content": "changed"},
        "regenerate": {"type": "regenerate"},
        "action": {
            "type": "action",
            "message_id": str(answer.pk),
            "action_id": answer.metadata["actions"][0]["id"],
        },
        "window_message": {"type": "window_message", "data": '{"text": "hi"}'},
    }[kind]


@override_settings(CHAT_MESSAGE_RATE_LIMIT="2/60")
@pytest.mark.parametrize("kind", ["edit", "regenerate", "action", "window_message"])
async def test_a_frame_that_runs_the_assistant_past_the_limit_is_refused(metered_tab, thread, kind):
    before = await assistant_messages(thread)

    await metered_tab.send(**await frame_fields(kind, thread))

    notice = await metered_tab.until(is_notice)
    assert "more than 2 times in 60 seconds" in notice
    assert "try again in" in notice
    assert "data-keep-draft" not in notice  # no draft of the composer's to give back
    assert await assistant_messages(thread) == before
    assert await user_messages(thread) == ["one", "two"]


@override_settings(CHAT_MESSAGE_RATE_LIMIT="3/60")
async def test_messages_edits_and_buttons_share_one_count(use_assistant, connect, thread, user):
    use_assistant("metered")
    connected, _, socket = await connect(path_of(thread), user=user)
    assert connected
    await idle_after_start(socket)
    await socket.say("one")
    await socket.until(lambda f: "answer to: one" in f)
    await socket.until(lambda f: 'data-running="false"' in f)
    await socket.send(**await frame_fields("action", thread))
    await socket.until(lambda f: "the button ran" in f)
    await socket.until(lambda f: 'data-running="false"' in f)
    await socket.send(**await frame_fields("regenerate", thread))
    await socket.until(lambda f: "answer to: one" in f and 'data-running="true"' not in f)
    await socket.until(lambda f: 'data-running="false"' in f)

    await socket.say("four")

    notice = await socket.until(is_notice)
    assert "Your message was not sent" in notice
    assert "four" not in await user_messages(thread)


@override_settings(CHAT_MESSAGE_RATE_LIMIT="20/60")
async def test_runs_counted_at_the_same_moment_are_each_counted(user):
    """As frames on two instances (or two tabs) are: no count is lost between them."""
    import asyncio

    from chat.engine.rate_limits import RunRateLimited, check_run_rate

    outcomes = await asyncio.gather(
        *(check_run_rate(user) for _ in range(30)), return_exceptions=True
    )

    assert sum(isinstance(outcome, RunRateLimited) for outcome in outcomes) == 10


class Clock:
    """The rate limit's clock, set by the test (the cache keeps its own)."""

    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now


@override_settings(CHAT_MESSAGE_RATE_LIMIT="2/60")
async def test_a_burst_as_the_minute_turns_is_refused_as_any_other(user, monkeypatch):
    from chat.engine import rate_limits
    from chatproject.serving import window_counts

    clock = Clock(60 * 28_000_000 + 59.8)  # 0.2 s before a minute turns
    monkeypatch.setattr(window_counts, "time", clock)
    await rate_limits.check_message_rate(user)
    await rate_limits.check_message_rate(user)
    clock.now += 0.4  # the next minute
    with pytest.raises(rate_limits.MessageRateLimited, match="send it again in 60 seconds"):
        await rate_limits.check_message_rate(user)

"""A message's star is drawn pressed wherever its words are one of its person's favorites:
on the page, in the frame pushed when it is sent, in a new tab's snapshot. A frame goes to
every tab of the thread, all its owner's: another person's favorites never press it."""

from __future__ import annotations

import re

import pytest
from asgiref.sync import sync_to_async
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chat.models import Favorite, Message
from chat.threads import stars
from tests.chat.web.test_consumers import connect, path_of  # noqa: F401 - fixtures
from tests.factories import make_user

pytestmark = pytest.mark.django_db(transaction=True)

WORDS = "Summarise this week's tickets by team."


def star_of(html: str, message_id) -> str:
    """ "true" or "false": the star under the message, as drawn."""
    form = re.search(rf'<form id="m-{message_id}-star".*?</form>', html, re.S)
    assert form, f"no star under message {message_id}"
    return re.search(r'aria-pressed="(\w+)"', form.group(0)).group(1)


async def sent(socket, thread, words: str) -> tuple[Message, str]:
    """Sends `words`; the message stored and the frame that showed it."""
    await socket.say(words)
    frame = await socket.until(lambda f: words.replace("'", "&#x27;") in f and "-star" in f)
    row = await Message.objects.aget(thread=thread, author_kind="user", content=words)
    return row, frame


@pytest.fixture
async def tab(use_assistant, connect, thread, user):  # noqa: F811
    use_assistant("echo")
    connected, _, socket = await connect(path_of(thread), user=user)
    assert connected
    await socket.until(lambda f: 'id="messages"' in f)
    return socket


async def test_a_message_sent_from_a_favorite_is_pushed_with_its_star_pressed(tab, thread, user):
    await Favorite.objects.acreate(user=user, content=WORDS, digest=stars.digest(WORDS))
    row, frame = await sent(tab, thread, WORDS)
    assert star_of(frame, row.pk) == "true"
    other, frame = await sent(tab, thread, "Something else")
    assert star_of(frame, other.pk) == "false"


async def test_another_persons_favorite_never_presses_the_owners_star(tab, thread, user):
    someone = await sync_to_async(make_user)()
    await Favorite.objects.acreate(user=someone, content=WORDS, digest=stars.digest(WORDS))
    row, frame = await sent(tab, thread, WORDS)
    assert star_of(frame, row.pk) == "false"


async def test_a_new_tabs_snapshot_draws_the_stars_as_the_page_does(
    tab,
    connect,  # noqa: F811
    thread,
    user,
):
    row, _ = await sent(tab, thread, WORDS)
    await Favorite.objects.acreate(user=user, content=WORDS, digest=stars.digest(WORDS))
    _, _, second = await connect(path_of(thread), user=user)
    snapshot = await second.until(lambda f: 'id="messages"' in f)
    assert star_of(snapshot, row.pk) == "true"


def test_marking_costs_one_query_and_none_without_the_persons_messages(user, thread):
    mine = Message(thread=thread, author_kind=Message.Author.USER, content=WORDS)
    answer = Message(thread=thread, author_kind=Message.Author.ASSISTANT, content=WORDS)
    Favorite.objects.create(user=user, content=WORDS, digest=stars.digest(WORDS))
    with CaptureQueriesContext(connection) as queries:
        stars.mark_starred_for_owner(thread.pk, [mine, answer])
    assert len(queries) == 1
    assert mine.starred is True
    assert not hasattr(answer, "starred")
    with CaptureQueriesContext(connection) as queries:
        stars.mark_starred(user, [answer])
    assert len(queries) == 0

"""Text that PostgreSQL or UTF-8 cannot hold: NUL bytes and lone surrogates are removed or
replaced, and the message is stored, answered and shown, not dropped with the socket."""

from __future__ import annotations

import json
import uuid

import pytest

from chat.engine.storable import storable, storable_text
from chat.models import Message
from tests.chat.web.test_consumers import final_of, replies
from tests.drivers import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_nul_bytes_are_removed_and_lone_surrogates_replaced():
    assert storable_text("a\x00b") == "ab"
    assert storable_text("caf\u00e9 \ud800 \udfff!") == "caf\u00e9 \ufffd \ufffd!"
    assert storable_text("😀 ok") == "😀 ok"  # a real pair is one code point: kept


def test_every_string_of_a_parsed_frame_is_made_storable():
    parsed = json.loads('{"content": "x\\u0000y\\ud800", "list": ["\\udc00"], "k\\u0000": 1}')
    assert storable(parsed) == {"content": "xy\ufffd", "list": ["\ufffd"], "k": 1}


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("before\x00after", "beforeafter"),
        ("lone \ud800 surrogate", "lone \ufffd surrogate"),
        ("both\x00 \udfff", "both \ufffd"),
    ],
)
async def test_a_message_with_bad_text_is_stored_cleaned_and_answered(tab, thread, sent, kept):
    # Sent as a browser sends it: JSON escapes ("\\u0000", "\\ud800") that parse back
    # into NUL and lone surrogates.
    client_id = uuid.uuid4().hex
    await tab.say(sent, client_id)

    async def stored() -> bool:
        return await Message.objects.filter(thread=thread, client_id=client_id).aexists()

    await wait_for(stored, within=10, what="the message stored")
    row = await Message.objects.aget(thread=thread, client_id=client_id)
    assert row.content == kept

    async def answered() -> bool:
        return bool(await replies(thread))

    await wait_for(answered, within=10, what="the answer")
    reply = (await replies(thread))[-1]
    await tab.until(final_of(reply.pk))
    stored_reply = await Message.objects.aget(pk=reply.pk)
    assert stored_reply.content == f"echo: {kept}"
    assert stored_reply.status == Message.Status.DONE


async def test_an_answer_streamed_with_bad_text_is_stored_cleaned(tab, thread):
    await tab.say("bad text")

    async def answered() -> bool:
        rows = await replies(thread)
        return bool(rows) and rows[-1].status == Message.Status.DONE

    await wait_for(answered, within=10, what="the answer done")
    reply = (await replies(thread))[-1]
    assert reply.content == "nul lone \ufffd end"
    await tab.until(final_of(reply.pk))

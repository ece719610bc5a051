"""Streamed tokens: coalesced into few frames, saved in batches, interrupted when abandoned."""

from __future__ import annotations

import asyncio
import html
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from chat.models import Message
from chat.rendering import fragments, frames
from chat.threads import store as threads
from tests.drivers import shows_streamed, streamed_pieces, wait_for
from tests.factories import make_message

pytestmark = pytest.mark.django_db(transaction=True)

TOKENS = 2000


def token_frames(frames: list[str], message_id) -> list[str]:
    """What each frame showed of one message's streamed text, in arrival order: the words
    it appeared with, then each frame of tokens."""
    return streamed_pieces(frames, message_id)


async def test_tokens_from_a_tight_loop_arrive_coalesced_into_far_fewer_frames(
    use_assistant, open_chat, thread, user
):
    use_assistant("echo")
    chat = await open_chat(thread, user)
    await chat.send(f"burst {TOKENS}")

    row = await chat.last_reply()
    expected = "".join(f"t{i} " for i in range(TOKENS))
    assert row.content == expected
    await chat.tab.until(lambda f: f'id="m-{row.id}"' in f and 'data-status="done"' in f)
    chunks = token_frames(chat.tab.frames, row.id)
    assert 1 <= len(chunks) <= TOKENS // 10
    assert "".join(chunks) == expected


async def test_on_a_busy_server_late_tokens_still_share_frames(
    use_assistant, open_chat, thread, user
):
    # Each token comes more than a frame's time after the last push: sent as they come,
    # every one would be a frame of its own, and the load would feed itself.
    use_assistant("echo")
    chat = await open_chat(thread, user)
    await chat.send("busy 20")
    row = await chat.last_reply()
    expected = "".join(f"b{i} " for i in range(20))
    await chat.tab.until(lambda f: f'id="m-{row.id}"' in f and 'data-status="done"' in f)
    chunks = token_frames(chat.tab.frames, row.id)
    assert chunks[0] == "b0 "  # the first token at once
    assert len(chunks) <= 6  # then one frame per turn of the loop, not one per token
    assert "".join(chunks) == expected


async def test_a_producer_that_never_waits_still_streams_as_it_goes(
    use_assistant, open_chat, thread, user
):
    use_assistant("echo")
    chat = await open_chat(thread, user)
    await chat.send("spin 0.5")
    row = await chat.last_reply()
    await chat.tab.until(lambda f: f'id="m-{row.id}"' in f and 'data-status="done"' in f)
    chunks = token_frames(chat.tab.frames, row.id)
    # Half a second of tokens arrives in frames along the way, not all at the end.
    assert len(chunks) >= 4
    assert "".join(chunks) == row.content


async def test_the_first_token_reaches_the_page_while_a_producer_that_never_waits_goes_on(
    use_assistant, open_chat, thread, user
):
    use_assistant("echo")
    chat = await open_chat(thread, user)
    shown = chat.session.user_session["shown"] = asyncio.Event()
    produced_when_shown: list[int | None] = []

    def watch(frame: str) -> None:
        if not shown.is_set() and shows_streamed(frame, "s0 "):
            streams = list(chat.session.emitter.streams.values())
            if streams:
                produced_when_shown.append(len(streams[0].parts))
            else:  # the answer appearing with its first token, or already ended
                produced_when_shown.append(1 if 'data-status="streaming"' in frame else None)
            shown.set()

    chat.tab.on_frame = watch
    # The producer never waits, and goes on until the tab shows its first token: only a
    # stream that gives the loop its turns shows anything before the producer is done.
    # (How far it got by then is the machine's doing: the frame's trip through Redis.)
    await chat.send("spin until shown 10", wait=False)
    await chat.idle(within=60)
    row = await chat.last_reply()
    produced = row.content.count(" ")
    assert produced_when_shown, "the first token never reached the tab"
    assert produced_when_shown[0] is not None, "the first token came after the answer ended"
    assert produced_when_shown[0] <= produced - 1000  # shown while it went on
    assert "(never shown)" not in row.content


async def test_streamed_text_is_saved_in_batches_while_it_streams(
    settings, use_assistant, open_chat, thread, user
):
    settings.CHAT_STREAM_SAVE_SECONDS = 0.05
    use_assistant("features")
    chat = await open_chat(thread, user)
    gate = chat.session.user_session["gate"] = asyncio.Event()
    await chat.send("slow 50", wait=False)  # 50 tokens, 20 ms apart

    full = "".join(f"s{i} " for i in range(50))
    rows: list[Message] = []

    async def saved_partially() -> bool:
        rows[:] = [await chat.last_reply()] if len(await chat.messages()) > 1 else []
        return bool(rows and rows[0].content)

    await wait_for(saved_partially, what="partial text in the database")
    # Saved while tokens still came: a part of the text, not all of it at the end.
    assert rows[0].status == Message.Status.STREAMING
    assert full.startswith(rows[0].content)
    assert rows[0].content != full

    gate.set()
    await chat.idle()
    row = await chat.last_reply()
    assert (row.content, row.status) == (full, Message.Status.DONE)


async def test_streamed_text_is_not_written_per_token(
    settings, use_assistant, open_chat, thread, user
):
    settings.CHAT_STREAM_SAVE_SECONDS = 60
    use_assistant("features")
    chat = await open_chat(thread, user)
    gate = chat.session.user_session["gate"] = asyncio.Event()
    await chat.send("quick 200", wait=False)

    full = "".join(f"q{i} " for i in range(200))
    appended = await chat.tab.until(
        lambda f: "beforeend:#messages" in f and 'data-status="streaming"' in f
    )
    message_id = re.search(r'id="m-([0-9a-f-]+)"', appended).group(1)
    await wait_for(
        lambda: "".join(token_frames(chat.tab.frames, message_id)) == full,
        what="every token on the page",
    )
    # All 200 tokens are on the page; in the database only the first, stored with the
    # answer as it appeared: the rest is written in batches.
    row = await Message.objects.aget(pk=message_id)
    assert (row.content, row.status) == ("q0 ", Message.Status.STREAMING)

    gate.set()
    await chat.idle()
    assert (await Message.objects.aget(pk=message_id)).content == full


# Synchronous from here on: plain rolled-back transactions, cheaper than a flush.
def _stale(seconds_ago: float, thread, **fields) -> Message:
    message = make_message(
        thread,
        "half an ans",
        author_kind=Message.Author.ASSISTANT,
        status=Message.Status.STREAMING,
        **fields,
    )
    Message.objects.filter(pk=message.pk).update(
        updated_at=timezone.now() - timedelta(seconds=seconds_ago)
    )
    message.refresh_from_db()
    return message


@pytest.mark.django_db
def test_a_stream_silent_for_longer_than_the_stale_limit_is_listed_as_interrupted(settings, thread):
    settings.CHAT_STREAM_STALE_SECONDS = 20
    stale = _stale(25, thread)
    live = _stale(5, thread)

    listed = {m.pk: m.status for m in threads.thread_messages(thread)}

    assert listed == {stale.pk: Message.Status.INTERRUPTED, live.pk: Message.Status.STREAMING}
    stale.refresh_from_db()
    live.refresh_from_db()
    assert (stale.status, stale.content) == (Message.Status.INTERRUPTED, "half an ans")
    assert live.status == Message.Status.STREAMING


@pytest.mark.django_db
def test_a_stale_stream_renders_as_interrupted_even_before_it_is_marked(settings, thread):
    settings.CHAT_STREAM_STALE_SECONDS = 20
    stale = _stale(25, thread)
    html = fragments.message(stale)
    assert 'data-status="interrupted"' in html
    assert "Interrupted" in html
    assert "half an ans" in html


@pytest.mark.django_db
def test_a_live_stream_renders_as_streaming_with_a_target_for_tokens(settings, thread):
    settings.CHAT_STREAM_STALE_SECONDS = 20
    live = _stale(1, thread)
    html = fragments.message(live)
    assert 'data-status="streaming"' in html
    assert f'id="m-{live.pk}-text"' in html


@pytest.mark.django_db
def test_finished_messages_are_never_marked_interrupted(settings, thread):
    settings.CHAT_STREAM_STALE_SECONDS = 20
    done = make_message(thread, "old answer", author_kind=Message.Author.ASSISTANT)
    Message.objects.filter(pk=done.pk).update(updated_at=timezone.now() - timedelta(days=3))
    assert [m.status for m in threads.thread_messages(thread)] == [Message.Status.DONE]


async def test_an_open_page_sees_an_orphaned_stream_turn_interrupted_without_a_reload(
    settings, thread, user, open_chat, use_assistant
):
    # The server streaming this answer died just now: the page reconnects while the text
    # is still fresh, and must not show a blinking cursor for ever.
    settings.CHAT_STREAM_STALE_SECONDS = 1
    use_assistant("echo")
    orphan = await asyncio.to_thread(
        make_message,
        thread,
        "half an ans",
        author_kind=Message.Author.ASSISTANT,
        status=Message.Status.STREAMING,
    )
    chat = await open_chat(thread, user)
    frame = await chat.tab.until(
        lambda f: f'id="m-{orphan.pk}"' in f and 'data-status="interrupted"' in f, within=10
    )
    assert "half an ans" in frame
    stored = await Message.objects.aget(pk=orphan.pk)
    assert stored.status == Message.Status.INTERRUPTED


async def test_wide_tokens_from_a_fast_producer_go_out_in_frames_that_each_fit(
    use_assistant, open_chat, thread, user
):
    # Twelve tokens of 200 KiB with no wait between them: one frame's worth of them is
    # more than daphne sends (1 MiB), which closed every tab's socket.
    use_assistant("echo")
    chat = await open_chat(thread, user)
    await chat.send("wide 12 200")
    row = await chat.last_reply()
    await chat.tab.until(lambda f: f'id="m-{row.id}"' in f and 'data-status="done"' in f)
    assert len(row.content) > 2 * 1024 * 1024
    assert all(frames.fits(f) for f in chat.tab.frames)
    assert "".join(token_frames(chat.tab.frames, row.id)) == row.content


def done_blocks(frames: list[str], message_id) -> list[str]:
    """The formatted blocks appended to a streaming message, in arrival order."""
    target = f'hx-swap-oob="beforeend:#m-{message_id}-done"'
    return [f for f in frames if target in f]


async def test_a_streaming_answer_shows_its_finished_blocks_formatted_before_it_ends(
    use_assistant, open_chat, thread, user
):
    from tests.assistants.echo import MARKDOWN

    use_assistant("echo")
    chat = await open_chat(thread, user)
    await chat.send("markdown")
    row = await chat.last_reply()
    await chat.tab.until(lambda f: f'id="m-{row.id}"' in f and 'data-status="done"' in f)
    sent = list(chat.tab.frames)
    final = next(
        i
        for i, f in enumerate(sent)
        if f'id="m-{row.id}"' in f and "data-status" in f and 'data-status="done"' in f
    )
    blocks = "".join(done_blocks(sent[:final], row.id))
    assert "<h1>A tour</h1>" in blocks
    assert "<strong>bold</strong>" in blocks
    assert "<li>first item</li>" in blocks
    # Code shows plain while it streams (the final render colours it), in its frame.
    assert '<span class="code-block__lang">python</span>' in blocks
    assert "print('hi')" in html.unescape(blocks)
    # The open paragraph is still text, and nothing is sent formatted twice.
    assert "last paragraph" not in blocks
    assert blocks.count("<strong>bold</strong>") == 1
    assert (await chat.last_reply()).content == MARKDOWN

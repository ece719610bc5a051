"""Websocket frames sized to fit: a thread of any size goes out in frames a browser and
daphne accept (daphne refuses to send one over 1 MiB)."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client

from chat.models import Message
from chat.rendering import frames
from chat.threads import snapshot as snapshots
from tests.factories import make_big_thread, make_message, words

pytestmark = pytest.mark.django_db

DAPHNE_LIMIT = 1024 * 1024


def appended_text(pieces: list[str], dom_id: str) -> str:
    """The text the frames append to the element `dom_id` (escaped text holds no tag)."""
    pattern = re.compile(rf'<span hx-swap-oob="beforeend:#{dom_id}">(.*?)</span>', re.S)
    return "".join(html.unescape(t) for p in pieces for t in pattern.findall(p))


def test_text_that_grows_when_escaped_is_cut_into_token_frames_that_each_fit():
    text = '<"&>' * 300_000  # 1.2 MB that escapes to about 5 MB
    pieces = frames.token_frames("m-x-text", text)
    assert len(pieces) > 1
    assert all(frames.fits(p) for p in pieces)
    assert appended_text(pieces, "m-x-text") == text


def test_a_stream_caught_up_whole_is_replaced_then_appended_in_frames_that_fit():
    text = words(300_000)
    pieces = frames.stream_text_frames("m-x-text", text)
    assert all(frames.fits(p) for p in pieces)
    replaced = '<div id="m-x-text" class="message__stream" hx-swap-oob="outerHTML">'
    assert pieces[0].startswith(replaced)
    first = html.unescape(re.search(r">(.*)</div>", pieces[0], re.S).group(1))
    assert first + appended_text(pieces[1:], "m-x-text") == text


def test_a_ten_megabyte_thread_is_sent_in_frames_that_each_fit(user, settings):
    settings.CHAT_THREAD_PAGE_SIZE = 1000  # the whole thread on one page
    thread = make_big_thread(user)
    sent = snapshots.snapshot_frames(thread)
    total = sum(frames.byte_size(f) for f in sent)
    assert total > 6 * 1024 * 1024  # the rest loads over HTTP
    assert all(frames.fits(f) for f in sent), max(frames.byte_size(f) for f in sent)
    # The first frame replaces the list; every later one appends to it, in order.
    assert 'id="messages"' in sent[0]
    assert 'hx-swap-oob="outerHTML"' in sent[0]
    assert 'id="run-state"' in sent[-1]
    joined = "".join(sent)
    ids = re.findall(r'<article id="m-([0-9a-f-]+)"', joined)
    stored = list(thread.messages.order_by("order").values_list("pk", flat=True))
    assert ids == [str(pk) for pk in stored]


def test_an_answer_too_large_for_a_frame_keeps_its_status_and_loads_its_text_over_http(user):
    thread = make_big_thread(user, exchanges=1, huge_answers=1)
    huge = thread.messages.get(order=3)
    huge.status = Message.Status.DONE
    huge.save()
    joined = "".join(snapshots.snapshot_frames(thread))
    article = re.search(rf'<article id="m-{huge.pk}".*?</article>', joined, re.S).group(0)
    assert 'data-status="done"' in article
    assert "end-of-3" not in article
    url = re.search(r'hx-get="([^"]+)"', article).group(1)

    client = Client()
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="m-{huge.pk}"' in body
    assert "h0-0 h0-1" in body
    assert "end-of-3" in body


def test_a_streaming_answer_too_large_for_a_frame_follows_its_item_in_pieces(user):
    thread = make_big_thread(user, exchanges=1, huge_answers=1)
    streaming = thread.messages.get(order=3)
    assert streaming.status == Message.Status.STREAMING
    sent = snapshots.snapshot_frames(thread)
    dom_id = f"m-{streaming.pk}-text"
    shell = next(i for i, f in enumerate(sent) if f'id="{dom_id}"' in f)
    pieces = [f for f in sent[shell + 1 :] if f"beforeend:#{dom_id}" in f]
    assert len(pieces) > 1
    # What the tab shows is the stored text, whole and in order.
    assert appended_text(pieces, dom_id) == streaming.content


def test_an_item_of_a_thread_the_user_may_not_see_is_not_found(user, other_user):
    thread = make_big_thread(user, exchanges=1, huge_answers=1)
    huge = thread.messages.get(order=3)
    client = Client()
    client.force_login(other_user)
    for kind in ("message", "step"):
        url = f"/threads/{thread.pk}/{kind}s/{huge.pk}/"
        assert client.get(url).status_code == 404
    client.force_login(user)
    assert client.get(f"/threads/{thread.pk}/messages/{huge.pk}/").status_code == 200
    assert client.get(f"/threads/{thread.pk}/steps/{huge.pk}/").status_code == 404


def test_a_small_thread_is_still_one_frame(thread):
    make_message(thread, "hello")
    make_message(thread, "hi", author_kind=Message.Author.ASSISTANT)
    sent = snapshots.snapshot_frames(thread)
    assert len(sent) == 1
    assert 'id="messages"' in sent[0]
    assert 'id="run-state"' in sent[0]
    assert frames.byte_size(sent[0]) < DAPHNE_LIMIT


def test_fragments_due_together_share_frames_that_each_fit_in_order():
    third = frames.FRAME_BYTES // 3
    due = [f'<div id="f{i}" hx-swap-oob="outerHTML">{"x" * third}</div>' for i in range(4)]
    sent = frames.joined(due)
    assert len(sent) == 2
    assert all(frames.fits(frame) for frame in sent)
    assert "".join(sent) == "".join(due)
    assert frames.joined(["<p>a</p>", "<p>b</p>"]) == ["<p>a</p><p>b</p>"]

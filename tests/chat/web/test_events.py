"""Websocket frames, as htmx's websocket extension sends them, parsed into typed events."""

from __future__ import annotations

import json

import pytest

from chat.web.events import (
    MAX_CLIENT_ID,
    MAX_FRAME_BYTES,
    MalformedFrame,
    StopRequest,
    UserMessage,
    parse_frame,
)

# What htmx 2's ws-send adds to every form it sends.
HTMX_HEADERS = {
    "HX-Request": "true",
    "HX-Trigger": "composer",
    "HX-Trigger-Name": None,
    "HX-Target": "composer",
    "HX-Current-URL": "http://localhost:8000/threads/1/",
}


def frame(**fields) -> str:
    return json.dumps({**fields, "HEADERS": HTMX_HEADERS})


def test_message_frame_in_the_htmx_shape_becomes_a_user_message():
    event = parse_frame(frame(type="message", content="Hello there", client_id="c-1"))
    assert event == UserMessage(content="Hello there", client_id="c-1")


def test_message_content_is_trimmed():
    assert parse_frame(frame(type="message", content="  hi \n")).content == "hi"


def test_message_without_client_id_gets_an_empty_one():
    assert parse_frame(frame(type="message", content="hi")).client_id == ""


def test_message_content_keeps_markup_as_text():
    content = "<script>alert(1)</script> and **stars**"
    assert parse_frame(frame(type="message", content=content)).content == content


def test_stop_frame_becomes_a_stop_request():
    assert parse_frame(frame(type="stop")) == StopRequest()


def test_frame_without_htmx_headers_is_accepted_too():
    assert parse_frame(json.dumps({"type": "stop"})) == StopRequest()


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("not json at all", "not valid JSON"),
        ("{'type': 'message'}", "not valid JSON"),
        ("", "not valid JSON"),
        ('["message", "hi"]', "JSON object"),
        ('"message"', "JSON object"),
        ("42", "JSON object"),
        ("null", "JSON object"),
        (frame(type="dance"), "Unknown frame type"),
        (frame(content="no type"), "Unknown frame type"),
        (frame(type=["message"], content="hi"), "Unknown frame type"),
        (frame(type="message", content=""), "empty"),
        (frame(type="message", content="   \n\t "), "empty"),
        (frame(type="message"), "empty"),
        (frame(type="message", content=42), "must be text"),
        (frame(type="message", content=["hi"]), "must be text"),
        (frame(type="message", content={"text": "hi"}), "must be text"),
        (frame(type="message", content=None), "must be text"),
        (frame(type="message", content="hi", client_id=7), "must be text"),
        (frame(type="message", content="hi", client_id="x" * (MAX_CLIENT_ID + 1)), "too long"),
    ],
)
def test_malformed_frames_are_rejected_with_a_reason(text, reason):
    with pytest.raises(MalformedFrame, match=reason):
        parse_frame(text)


def test_binary_frames_are_rejected():
    with pytest.raises(MalformedFrame, match="Binary"):
        parse_frame(None)


def test_message_longer_than_the_setting_is_rejected(settings):
    settings.CHAT_MAX_MESSAGE_CHARS = 100
    assert parse_frame(frame(type="message", content="x" * 100)).content == "x" * 100
    with pytest.raises(MalformedFrame, match="too long"):
        parse_frame(frame(type="message", content="x" * 101))


def test_oversized_frame_is_rejected_before_it_is_parsed():
    huge = '{"type": "stop", "padding": "' + "x" * MAX_FRAME_BYTES + '"}'
    with pytest.raises(MalformedFrame, match="too large"):
        parse_frame(huge)


def test_frame_size_counts_bytes_not_characters():
    # 3 bytes per character: under the limit in characters, over it in bytes.
    text = '{"type": "stop", "p": "' + "€" * (MAX_FRAME_BYTES // 3 + 10) + '"}'
    assert len(text) < MAX_FRAME_BYTES
    with pytest.raises(MalformedFrame, match="too large"):
        parse_frame(text)


def test_malformed_frame_is_a_value_error():
    # The consumer shows the message of any MalformedFrame to the user.
    assert issubclass(MalformedFrame, ValueError)

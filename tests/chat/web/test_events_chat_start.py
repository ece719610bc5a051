"""Frames for profiles, settings and commands parse into typed events, or are refused."""

from __future__ import annotations

import json

import pytest

from chat.web.events import MalformedFrame, ProfileChoice, SettingsUpdate, UserMessage, parse_frame


def frame(**fields) -> str:
    return json.dumps({**fields, "HEADERS": {"HX-Request": "true"}})


def test_a_message_carries_the_chosen_command():
    event = parse_frame(frame(type="message", content="hi", client_id="c", command=" search "))
    assert event == UserMessage(content="hi", client_id="c", command="search")
    assert parse_frame(frame(type="message", content="hi", client_id="c")).command == ""


def test_a_profile_choice_names_the_profile():
    assert parse_frame(frame(type="profile", profile="Research")) == ProfileChoice("Research")


def test_settings_are_the_fields_named_setting():
    event = parse_frame(
        frame(type="settings", **{"setting:model": "large", "setting:tags": ["a", "b"]})
    )
    assert event == SettingsUpdate(values={"model": "large", "tags": ["a", "b"]})


@pytest.mark.parametrize(
    "fields",
    [
        {"type": "profile", "profile": ["Research"]},
        {"type": "profile", "profile": "x" * 101},
        {"type": "message", "content": "hi", "client_id": "c", "command": 3},
        {"type": "message", "content": "hi", "client_id": "c", "command": "c" * 65},
        {"type": "settings", "model": "large"},
        {"type": "settings", "setting:model": {"a": 1}},
        {"type": "settings", "setting:model": ["a", 1]},
        {"type": "settings", "setting:model": "x" * 8001},
        {"type": "settings", "setting:model": ["a"] * 201},
    ],
)
def test_a_malformed_frame_is_refused(fields):
    with pytest.raises(MalformedFrame):
        parse_frame(frame(**fields))

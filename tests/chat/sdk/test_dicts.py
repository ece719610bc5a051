"""Chainlit's dict shapes: an app keeps a user, a message or a step as a dict (in a cookie,
a cache, its own log) and reads it back."""

from __future__ import annotations

import json

import chat.sdk as cl


def test_a_user_goes_to_json_and_back_unchanged():
    user = cl.User(identifier="ada", display_name="Ada", metadata={"role": "admin"})

    assert json.loads(user.to_json()) == {
        "identifier": "ada",
        "display_name": "Ada",
        "metadata": {"role": "admin"},
    }
    assert cl.User.from_json(user.to_json()) == user
    assert cl.User.from_dict(user.to_dict()) == user


def test_a_stored_account_keeps_its_id_in_its_dict():
    account = cl.PersistedUser(id="7", createdAt="2026-01-01", identifier="ada")

    assert account.to_dict()["id"] == "7"
    assert account.to_dict()["identifier"] == "ada"


def test_a_message_read_back_from_its_dict_is_the_same_message():
    message = cl.Message(
        "Results",
        author="Researcher",
        command="search",
        modes={"model": "fast"},
        metadata={"source": "web"},
        created_at="2026-12-07T10:00:00+00:00",
    )

    stored = message.to_dict()
    again = cl.Message.from_dict(stored)

    assert stored["output"] == "Results"
    assert stored["name"] == "Researcher"
    assert (again.id, again.content, again.author) == (message.id, "Results", "Researcher")
    assert (again.command, again.modes, again.metadata) == (
        "search",
        {"model": "fast"},
        {"source": "web"},
    )
    assert again.created_at == "2026-12-07T10:00:00+00:00"


def test_a_message_dict_without_a_type_is_an_assistant_message():
    message = cl.Message.from_dict({"id": "m1", "output": "Hello", "createdAt": "2026-12-07"})

    assert message.type == "assistant_message"
    assert message.content == "Hello"


def test_a_step_dict_carries_its_options_and_keeps_its_icon_in_the_metadata():
    step = cl.Step(name="Search", type="tool", icon="globe", default_open=True, show_input="json")
    step.input = "query"
    step.output = "three results"

    shown = step.to_dict()

    assert shown["name"] == "Search"
    assert shown["type"] == "tool"
    assert (shown["input"], shown["output"]) == ("query", "three results")
    assert shown["metadata"]["icon"] == "globe"
    assert shown["defaultOpen"] is True
    assert shown["showInput"] == "json"
    assert shown["start"] is None
    assert shown["end"] is None
    json.dumps(shown)  # an app stores it as JSON

"""Modes as the assistant declares them, and the choices users send with a message."""

from __future__ import annotations

import pytest

import chat.sdk as cl
from chat.engine import modes

MODEL = cl.Mode(
    id="model",
    name="Model",
    options=[
        cl.ModeOption(id="pro", name="Pro"),
        cl.ModeOption(id="flash", name="Flash", default=True),
    ],
)
EFFORT = cl.Mode(id="effort", name="Effort", options=[cl.ModeOption(id="low", name="Low")])


def test_modes_are_kept_in_one_shape_from_objects_or_dicts():
    [model, effort] = modes.check_modes([MODEL, EFFORT.to_dict()])
    assert model["options"][1] == {
        "id": "flash",
        "name": "Flash",
        "description": "",
        "icon": "",
        "default": True,
    }
    assert effort["name"] == "Effort"


@pytest.mark.parametrize(
    "offered",
    [
        "model",
        [cl.Mode(id="empty", name="Empty")],
        [cl.Mode(id="two words!", name="x", options=[cl.ModeOption(id="a", name="A")])],
        [MODEL, MODEL],
        [cl.Mode(id="m", name="M", options=[cl.ModeOption(id="a", name="A")] * 2)],
        [EFFORT] * 11,
    ],
)
def test_malformed_modes_are_the_developers_mistake(offered):
    with pytest.raises(ValueError):  # noqa: PT011 - the message says what is wrong
        modes.check_modes(offered)


def test_the_default_is_the_one_marked_so_else_the_first():
    checked = modes.check_modes([MODEL, EFFORT])
    assert modes.current(checked, {}) == {"model": "flash", "effort": "low"}
    assert MODEL.get_default_option().id == "flash"
    assert MODEL.get_option_by_id("pro").name == "Pro"


def test_a_choice_sent_is_checked_and_the_others_keep_their_earlier_choice():
    checked = modes.check_modes([MODEL, EFFORT])
    assert modes.check_choices(checked, {"model": "pro"}, {}) == {"model": "pro", "effort": "low"}
    assert modes.check_choices(checked, {}, {"model": "pro"}) == {"model": "pro", "effort": "low"}
    # A kept choice no longer offered falls back to the default.
    assert modes.current(checked, {"model": "gone"})["model"] == "flash"
    assert modes.shown(checked, {"model": "pro", "effort": "low"}) == [
        ["Model", "Pro"],
        ["Effort", "Low"],
    ]


@pytest.mark.parametrize("chosen", [{"model": "ultra"}, {"colour": "red"}])
def test_an_option_not_offered_is_refused(chosen):
    checked = modes.check_modes([MODEL])
    with pytest.raises(modes.ModeRefused, match="not offered"):
        modes.check_choices(checked, chosen, {})

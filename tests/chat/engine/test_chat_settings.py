"""Every value a user sends for a setting is checked against its widget first."""

from __future__ import annotations

import pytest

from chat.engine.chat_settings import SettingsRefused, apply, check_inputs, clean, current_values
from tests.assistants.chat_options import widgets

INPUTS = [w.to_dict() for w in widgets()]
BY_ID = {w["id"]: w for w in INPUTS}
INITIAL = current_values(INPUTS, {})


@pytest.mark.parametrize(
    ("widget", "sent", "stored"),
    [
        ("stream", "on", True),
        ("stream", True, True),
        ("stream", "false", False),
        ("cite", None, False),
        ("temperature", "0.3", 0.3),
        ("temperature", 1, 1.0),
        ("tokens", "128", 128),
        ("model", "large", "large"),
        ("length", "long", "long"),
        ("persona", "terse", "terse"),
        ("seed", "42", 42),
        ("seed", "", None),
        ("seed", -1.5, -1.5),
        ("topics", "hr, finance ,, hr", ["hr", "finance"]),
        ("topics", ["a", "b"], ["a", "b"]),
        ("sources", ["wiki", "tickets"], ["wiki", "tickets"]),
        ("sources", "tickets", ["tickets"]),
    ],
)
def test_a_fitting_value_is_stored_in_the_widgets_own_type(widget, sent, stored):
    value = clean(BY_ID[widget], sent)
    assert value == stored
    assert type(value) is type(stored)


@pytest.mark.parametrize(
    ("widget", "sent", "said"),
    [
        ("temperature", "1.5", "between 0 and 1"),
        ("temperature", -0.1, "between 0 and 1"),
        ("temperature", "0.25", "steps of 0.1"),
        ("tokens", 100, "steps of 64"),
        ("temperature", "warm", "must be a number"),
        ("temperature", "nan", "must be a number"),
        ("temperature", True, "must be a number"),
        ("seed", "inf", "must be a number"),
        ("seed", "seven", "must be a number"),
        ("model", "huge", "not one of the choices"),
        ("model", ["small"], "not one of the choices"),
        ("length", "", "not one of the choices"),
        ("sources", ["wiki", "mail"], "not one of the choices"),
        ("stream", "maybe", "on or off"),
        ("stream", 3, "on or off"),
        ("persona", "x" * 4001, "too long"),
        ("persona", ["a"], "must be text"),
        ("topics", ["x" * 101], "at most"),
        ("topics", [f"t{n}" for n in range(51)], "at most"),
        ("topics", [1, 2], "list of texts"),
    ],
)
def test_a_value_that_does_not_fit_is_refused_with_a_reason(widget, sent, said):
    with pytest.raises(SettingsRefused, match=said):
        clean(BY_ID[widget], sent)


def test_a_change_keeps_the_other_values_and_reads_unchecked_boxes_as_off():
    values = apply(INPUTS, INITIAL, {"model": "large", "stream": None})
    assert values["model"] == "large"
    assert values["stream"] is False
    assert values["persona"] == "helpful"  # not sent: unchanged
    assert values["sources"] == []  # a form leaves out a list with nothing checked
    assert values["locked"] is True  # disabled: a form leaves it out, it keeps its value


def test_an_unknown_setting_refuses_the_whole_change():
    with pytest.raises(SettingsRefused, match="no setting named “colour”"):
        apply(INPUTS, INITIAL, {"model": "large", "colour": "red"})


def test_one_wrong_value_refuses_the_whole_change():
    with pytest.raises(SettingsRefused):
        apply(INPUTS, INITIAL, {"model": "large", "temperature": "9"})


def test_a_disabled_setting_cannot_be_changed():
    with pytest.raises(SettingsRefused, match="Locked cannot be changed"):
        apply(INPUTS, INITIAL, {"locked": "false"})


def test_a_chat_without_settings_refuses_any():
    with pytest.raises(SettingsRefused, match="no settings"):
        apply([], {}, {"model": "large"})


def test_saved_values_come_back_unless_the_widget_no_longer_takes_them():
    values = current_values(INPUTS, {"model": "large", "temperature": 7, "gone": 1})
    assert values["model"] == "large"
    assert values["temperature"] == 0.5  # out of range now: the initial value
    assert "gone" not in values


def test_declaring_two_settings_with_one_id_is_a_mistake():
    with pytest.raises(ValueError, match="unique"):
        check_inputs([BY_ID["model"], BY_ID["model"]])
    with pytest.raises(ValueError, match="Unknown chat setting type"):
        check_inputs([{"id": "x", "type": "colour"}])

"""The settings widgets describe themselves as Chainlit's do."""

from __future__ import annotations

import pytest

from chat.sdk.input_widget import (
    Checkbox,
    MultiSelect,
    NumberInput,
    RadioGroup,
    Select,
    Slider,
    Switch,
    Tags,
    TextInput,
)


def test_each_widget_says_its_type_and_initial_value():
    shown = [
        Switch(id="a", label="A", initial=True),
        Checkbox(id="b", label="B"),
        Slider(id="c", label="C", initial=3, min=1, max=5, step=2),
        Select(id="d", label="D", values=["x", "y"], initial_index=1),
        RadioGroup(id="e", label="E", values=["x", "y"], initial_value="x"),
        TextInput(id="f", label="F", initial="hi", multiline=True),
        NumberInput(id="g", label="G", initial=2.5),
        Tags(id="h", label="H", initial=["t"]),
        MultiSelect(id="i", label="I", values=["x", "y"], initial=["y"]),
    ]
    assert [(w.to_dict()["type"], w.to_dict()["initial"]) for w in shown] == [
        ("switch", True),
        ("checkbox", False),
        ("slider", 3),
        ("select", "y"),
        ("radio", "x"),
        ("textinput", "hi"),
        ("numberinput", 2.5),
        ("tags", ["t"]),
        ("multiselect", ["y"]),
    ]


def test_a_slider_carries_its_range_and_step():
    spec = Slider(id="t", label="T", initial=0.2, min=0, max=1, step=0.1).to_dict()
    assert (spec["min"], spec["max"], spec["step"]) == (0, 1, 0.1)


def test_choices_are_label_value_pairs_from_values_or_items():
    assert Select(id="s", label="S", values=["a"]).to_dict()["items"] == [
        {"label": "a", "value": "a"}
    ]
    assert MultiSelect(id="m", label="M", items={"Big": "big"}).to_dict()["items"] == [
        {"label": "Big", "value": "big"}
    ]


@pytest.mark.parametrize(
    "build",
    [
        lambda: Switch(id="", label="No id"),
        lambda: Switch(id="x", label=""),
        lambda: Select(id="s", label="S"),
        lambda: Select(id="s", label="S", values=["a"], items={"A": "a"}),
        lambda: Select(id="s", label="S", items={"A": "a"}, initial_index=0),
        lambda: RadioGroup(id="r", label="R"),
        lambda: MultiSelect(id="m", label="M"),
        lambda: Slider(id="t", label="T", min=5, max=1),
        lambda: Slider(id="t", label="T", step=0),
    ],
)
def test_a_widget_that_cannot_work_is_refused_when_declared(build):
    with pytest.raises(ValueError):  # noqa: PT011 - Chainlit raises plain ValueError too
        build()

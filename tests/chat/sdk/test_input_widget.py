"""The settings widgets describe themselves as Chainlit's do."""

from __future__ import annotations

import re

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


# -- DatePicker and Tab, as Chainlit's ---------------------------------------------------------
def test_a_date_picker_takes_dates_or_iso_texts_and_sends_iso_texts():
    from datetime import date

    from chat.sdk.input_widget import DatePicker

    single = DatePicker(id="d", label="Day", initial=date(2026, 5, 1), min_date="2026-01-01")
    assert single.to_dict()["initial"] == "2026-05-01"
    assert single.to_dict()["min_date"] == "2026-01-01"
    assert single.to_dict()["mode"] == "single"
    span = DatePicker(id="r", label="Trip", mode="range", initial=("2026-03-01", date(2026, 3, 8)))
    assert span.to_dict()["initial"] == ["2026-03-01", "2026-03-08"]


@pytest.mark.parametrize(
    ("kwargs", "said"),
    [
        ({"mode": "week"}, "mode must be 'single' or 'range'"),
        ({"mode": "range", "initial": "2026-01-01"}, "must be a tuple for range mode"),
        ({"initial": "01/02/2026"}, "'initial' must be in ISO format"),
        ({"min_date": "2026-02-01", "max_date": "2026-01-01"}, "start must be before end"),
        ({"mode": "range", "initial": ("2026-02-01", "2026-01-01")}, "start must be before end"),
        ({"initial": "2027-01-01", "max_date": "2026-12-31"}, "within 'min_date' and 'max_date'"),
    ],
)
def test_a_date_picker_declared_wrong_says_why(kwargs, said):
    from chat.sdk.input_widget import DatePicker

    with pytest.raises(ValueError, match=re.escape(said)):
        DatePicker(id="d", label="Day", **kwargs)


def test_tabs_group_widgets_and_chat_settings_reads_through_them():
    import chat.sdk as cl
    from chat.sdk.input_widget import Switch, Tab

    tab = Tab(id="search", label="Search", inputs=[Switch(id="web", label="Web", initial=True)])
    assert tab.to_dict()["inputs"][0]["id"] == "web"
    settings = cl.ChatSettings([tab, Switch(id="cite", label="Cite")])
    assert settings.settings() == {"web": True, "cite": False}
    assert settings._dicts()[0]["tab"] == {"id": "search", "label": "Search"}
    assert "tab" not in settings._dicts()[1]

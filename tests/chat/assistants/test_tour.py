"""The demo tour of the default assistant: what it shows when optional libraries are missing."""

from __future__ import annotations

import sys

import pytest

import chat.sdk as cl
from chat.assistants.tour import rich_elements


@pytest.fixture
def without_plotly_and_pandas(monkeypatch):
    for name in ("plotly", "plotly.graph_objects", "pandas"):
        # None in sys.modules makes `import name` raise ImportError, as when not installed.
        monkeypatch.setitem(sys.modules, name, None)


def test_the_tour_says_how_to_get_the_chart_and_table_when_their_libraries_are_missing(
    without_plotly_and_pandas,
):
    elements = rich_elements()
    assert not [e for e in elements if isinstance(e, cl.Plotly | cl.Dataframe)]
    notes = [e for e in elements if e.name == "charts and tables"]
    assert len(notes) == 1
    assert notes[0].display == "inline"
    assert "plotly and pandas are not installed" in notes[0].content
    assert '.venv/bin/pip install -e ".[elements]"' in notes[0].content


def test_the_tour_shows_the_chart_and_the_table_when_the_libraries_are_there():
    elements = rich_elements()
    assert [type(e) for e in elements if isinstance(e, cl.Plotly | cl.Dataframe)] == [
        cl.Plotly,
        cl.Dataframe,
    ]
    assert not [e for e in elements if e.name == "charts and tables"]

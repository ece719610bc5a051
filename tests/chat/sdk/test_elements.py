"""The element classes of the public API: what they make of figures, frames and tasks."""

from __future__ import annotations

import json

import pandas as pd
import plotly.graph_objects as go
import pytest

import chat.sdk as cl
from chat.sdk.elements import element_from_record


def test_a_plotly_figure_is_kept_as_its_json_and_fills_its_frame():
    figure = go.Figure(data=[go.Scatter(y=[1, 3, 2])], layout={"width": 300, "height": 200})
    chart = cl.Plotly(name="chart", figure=figure)
    data = json.loads(chart.content)
    assert data["data"][0]["type"] == "scatter"
    assert data["layout"]["autosize"] is True
    assert "width" not in data["layout"]
    assert "height" not in data["layout"]
    assert figure.layout.width == 300  # the assistant's own figure is left as it was
    assert chart._source().mime == "application/json"


def test_a_plotly_element_needs_a_figure():
    with pytest.raises(TypeError, match="Figure"):
        cl.Plotly(name="chart")
    with pytest.raises(TypeError, match="Figure"):
        cl.Plotly(name="chart", figure=[1, 2])


def test_a_dataframe_is_kept_as_csv_with_its_shape_and_first_rows():
    frame = pd.DataFrame({"city": [f"c{i}" for i in range(25)], "n": range(25)})
    table = cl.Dataframe(name="cities", data=frame)
    source = table._source()
    assert source.mime == "text/csv"
    assert source.content.decode().splitlines()[:2] == ["city,n", "c0,0"]
    assert source.metadata["columns"] == ["city", "n"]
    assert source.metadata["rows"] == 25
    assert source.metadata["numeric"] == [False, True]
    assert source.metadata["head"] == [[f"c{i}", str(i)] for i in range(10)]
    assert source.metadata["size"] == "large"


def test_a_meaningful_index_is_kept_as_a_column():
    frame = pd.DataFrame({"n": [1, 2]}, index=pd.Index(["a", "b"], name="key"))
    table = cl.Dataframe(name="keyed", data=frame)
    assert table._source().metadata["columns"] == ["key", "n"]


def test_a_task_list_sends_its_tasks_as_json_and_may_go_without_a_message():
    task_list = cl.TaskList(status="Running...")
    task_list.tasks.append(cl.Task(title="a", status=cl.TaskStatus.DONE, forId="m1"))
    task_list.tasks.append(cl.Task(title="b"))
    assert task_list.name == "tasklist"
    assert task_list.updatable
    assert [t.to_dict() for t in task_list.tasks] == [
        {"title": "a", "status": "done", "forId": "m1"},
        {"title": "b", "status": "ready", "forId": None},
    ]


async def test_other_elements_need_a_message_or_step_to_be_sent_to():
    with pytest.raises(ValueError, match="for_id"):
        await cl.Text(name="note", content="x").send()


def test_elements_carry_chainlits_attributes(tmp_path):
    image = cl.Image(path=str(tmp_path / "cat.png"))
    assert (image.name, image.display, image.size) == ("cat.png", "inline", "medium")
    pdf = cl.Pdf(name="doc", url="https://example.org/doc.pdf", page=3, display="side")
    assert pdf._source().metadata == {"page": 3}
    assert pdf._source().url == "https://example.org/doc.pdf"
    assert cl.Audio(name="a", content=b"x", auto_play=True)._source().metadata["auto_play"]
    assert cl.Text(name="t", content="x", language="sql")._source().metadata["language"] == "sql"


def test_a_stored_upload_becomes_the_sdk_class_of_its_kind(tmp_path, settings):
    from chat.models import Element

    settings.MEDIA_ROOT = tmp_path
    record = Element(kind="image", name="photo.png", mime="image/png", display="inline")
    record.file.name = "uploads/x/photo.png"
    element = element_from_record(record)
    assert isinstance(element, cl.Image)
    assert element.path == str(tmp_path / "uploads/x/photo.png")
    assert (element.id, element.mime, element._stored_name) == (
        str(record.id),
        "image/png",
        "uploads/x/photo.png",
    )

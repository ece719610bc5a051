"""Elements as HTML: names linked from the text, tables paged, task lists drawn."""

from __future__ import annotations

import json
import uuid

from chat.models import Element, Message
from chat.rendering import elements as rendering
from chat.rendering.markdown import render_markdown


def test_a_name_in_markdown_becomes_a_link_but_not_in_code_or_inside_a_link():
    html = render_markdown(
        "See the cat image, `cat image`, [cat image](https://x.org) and category images.",
        {"cat image": "/elements/1/?display=side"},
    )
    assert html.count('href="/elements/1/?display=side"') == 1
    assert "<code>cat image</code>" in html
    assert 'href="https://x.org"' in html


def test_markdown_without_names_is_unchanged():
    assert render_markdown("**bold**") == render_markdown("**bold**", {})


def _element(**fields) -> Element:
    fields.setdefault("id", uuid.uuid4())
    return Element(**fields)


def _message(content: str) -> Message:
    message = Message(id=uuid.uuid4(), content=content, author_kind="assistant")
    message._prefetched_objects_cache = {"elements": []}
    return message


def test_side_elements_named_in_the_text_are_linked_and_the_others_listed():
    message = _message("Look at the chart")
    chart = _element(kind="plotly", name="chart", display="side", content="{}")
    other = _element(kind="text", name="notes", display="side", content="x")
    page = _element(kind="pdf", name="doc", display="page")
    inline = _element(kind="text", name="inline note", content="x")
    message._prefetched_objects_cache["elements"] = [chart, other, page, inline]
    shown = rendering.message_elements(message)
    assert shown["links"] == {"chart": f"/elements/{chart.id}/?display=side"}
    assert [r["element"] for r in shown["refs"]] == [other, page]
    assert [r["href"] for r in shown["refs"]] == [
        f"/elements/{other.id}/?display=side",
        f"/elements/{page.id}/",
    ]
    assert [c["element"] for c in shown["inline"]] == [inline]


def test_a_chart_cannot_close_its_script_element():
    chart = _element(kind="plotly", name="c", content=json.dumps({"data": [], "x": "</script>"}))
    html = rendering.element(chart)
    assert "</script>" not in html.split('type="application/json"')[1].split("</script>")[0]
    assert "\\u003C/script\\u003E" in html


def test_a_task_list_shows_each_status_and_links_tasks_to_their_messages():
    content = {
        "status": "Running",
        "tasks": [
            {"title": "**one**", "status": "done", "forId": "abc"},
            {"title": "two", "status": "running"},
            {"title": "three", "status": "bogus"},
        ],
    }
    tasks = _element(kind="tasklist", name="tasklist", content=json.dumps(content))
    html = rendering.element(tasks)
    assert "task--done" in html
    assert "task--running" in html
    assert "task--ready" in html
    assert '<a class="task__title" href="#m-abc">' in html
    assert "<strong>one</strong>" in html
    assert "1 of 3 done" in html
    assert "data-finished" not in html


def test_a_finished_task_list_is_marked_so_that_it_shrinks_to_its_header():
    content = {"status": "Done", "tasks": [{"title": "a", "status": "done"}] * 2}
    html = rendering.element(_element(kind="tasklist", name="t", content=json.dumps(content)))
    assert "data-finished" in html
    assert "2 of 2 done" in html


def test_a_table_page_past_the_end_shows_the_last_page():
    table = _element(
        kind="dataframe",
        name="t",
        metadata={"columns": ["n"], "rows": 3, "head": [["1"], ["2"], ["3"]], "numeric": [True]},
    )
    page = rendering.dataframe_page(table, 7, 10)
    assert (page["page"], page["pages"], page["first"], page["last"]) == (1, 1, 1, 3)
    assert page["rows"] == [[("1", True)], [("2", True)], [("3", True)]]

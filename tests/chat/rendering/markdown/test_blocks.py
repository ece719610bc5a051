"""What models write besides prose: alerts, task lists, footnotes."""

from __future__ import annotations

import pytest
from django.utils import translation

from chat.rendering.markdown import render_markdown
from tests.chat.rendering.test_markdown import assert_inert, tags_of, text_of


@pytest.mark.parametrize("kind", ["NOTE", "TIP", "IMPORTANT", "WARNING", "CAUTION"])
def test_github_alerts_render_as_callouts_with_their_title(kind):
    html = render_markdown(f"> [!{kind}]\n> Back up **first**.")
    assert ("div", {"class": f"markdown-alert markdown-alert-{kind.lower()}"}) in tags_of(html)
    assert text_of(html).split() == [kind.capitalize(), "Back", "up", "first."]


def test_an_alert_title_is_in_the_readers_language():
    with translation.override("de"):
        html = render_markdown("> [!WARNING]\n> Vorsicht.")
    assert text_of(html).split()[0] == "Warnung"


def test_a_plain_quote_stays_a_quote():
    assert tags_of(render_markdown("> [!NOPE]\n> text"))[0] == ("blockquote", {})


def test_task_lists_show_their_boxes_checked_or_not_and_never_editable():
    html = render_markdown("- [x] done\n- [ ] to do")
    boxes = [attrs for tag, attrs in tags_of(html) if tag == "input"]
    assert boxes == [
        {"class": "task-list-item-checkbox", "type": "checkbox", "checked": "", "disabled": ""},
        {"class": "task-list-item-checkbox", "type": "checkbox", "disabled": ""},
    ]


def test_footnotes_link_to_their_note_and_two_answers_do_not_share_ids():
    first = render_markdown("Claim[^1].\n\n[^1]: Source one.")
    second = render_markdown("Other[^1].\n\n[^1]: Source two.")
    ref = next(attrs["href"] for tag, attrs in tags_of(first) if tag == "a")
    ids = {attrs["id"] for tag, attrs in tags_of(first) if "id" in attrs}
    assert ref.removeprefix("#") in ids
    assert not ids & {attrs["id"] for tag, attrs in tags_of(second) if "id" in attrs}
    assert "Source one." in text_of(first)


@pytest.mark.parametrize(
    "markdown",
    [
        "> [!NOTE]\n> <img src=x onerror=alert(1)>",
        "> [!WARNING]\n> [x](javascript:alert(1))",
        '> [!TIP" onclick="alert(1)]\n> x',
        "Note[^x].\n\n[^x]: <script>alert(1)</script> [y](javascript:alert(1))",
        '[^"><img src=x onerror=alert(1)>]\n\n[^"><img src=x onerror=alert(1)>]: x',
        "- [x] <img src=x onerror=alert(1)>",
        "| <script>alert(1)</script> |\n|---|\n| [x](javascript:alert(1)) |",
    ],
)
def test_hostile_alerts_footnotes_and_tasks_are_inert(markdown):
    assert_inert(render_markdown(markdown))

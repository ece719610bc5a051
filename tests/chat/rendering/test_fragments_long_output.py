"""A step whose output is long (a tool's result) is cut in the chat, kept whole stored."""

from __future__ import annotations

import pytest
from django.utils import timezone, translation

from chat.models import Step
from chat.rendering import fragments
from tests.factories import make_thread

pytestmark = pytest.mark.django_db


def ended_step(thread, output: str, **fields) -> Step:
    return Step.objects.create(
        thread=thread, name="lookup", type="tool", output=output, ended_at=timezone.now(), **fields
    )


def test_a_long_output_is_cut_in_the_view_and_says_how_much_is_left(user):
    step = ended_step(make_thread(user), "a" * fragments.STEP_VIEW_CHARS + "b" * 1234)
    html = fragments.step(step.pk, [step])
    assert "a" * 100 in html
    assert "bbbb" not in html  # nothing of the cut part
    assert "… and 1234 more characters, not shown." in html
    assert len(Step.objects.get(pk=step.pk).output) == fragments.STEP_VIEW_CHARS + 1234


def test_the_note_counts_in_the_readers_language(user):
    step = ended_step(make_thread(user), "x" * (fragments.STEP_VIEW_CHARS + 1), language="json")
    with translation.override("de"):
        html = fragments.step(step.pk, [step])
    assert "… und 1 weiteres Zeichen, nicht angezeigt." in html


def test_a_short_output_is_shown_whole_without_a_note(user):
    step = ended_step(make_thread(user), "Ticket T-1: open")
    html = fragments.step(step.pk, [step])
    assert "Ticket T-1: open" in html
    assert "not shown" not in html

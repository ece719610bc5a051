"""Live fragments drawn from an earlier render of the same shape are exactly what the
template draws, and a template that does more than show a value is simply rendered."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.test import override_settings
from django.utils import timezone, translation

from chat.models import Message, Step
from chat.rendering import fragments, frames, items, shapes
from tests.factories import make_message

pytestmark = pytest.mark.django_db

TEXTS = [
    "hi",
    "",
    "Tricky <b>\"quoted\"</b> & 'single'\nsecond line   spaced",
    "# A title\n\n- one\n- two\n\n```python\nprint('x')\n```",
    "zq placeholder-looking text < > &amp;",
    "x" * 5000,
]


def template_item(context: dict, oob: bool = False) -> str:
    name = "step.html" if context["kind"] == "step" else "message.html"
    return render_to_string(fragments.FRAGMENTS + name, {"item": context, "oob": oob})


def new_message(thread, **fields) -> Message:
    now = timezone.now()
    defaults = {"author_kind": "assistant", "author_name": "Assistant", "content": "hi"}
    return Message(thread_id=thread.pk, created_at=now, updated_at=now, **{**defaults, **fields})


@pytest.fixture(autouse=True)
def no_shapes_learnt():
    shapes.forget()
    yield
    shapes.forget()


@pytest.mark.parametrize("author_kind", ["assistant", "user", "system"])
@pytest.mark.parametrize("oob", [False, True])
def test_every_message_of_a_shape_is_what_its_template_draws(thread, user, author_kind, oob):
    for i, text in enumerate(TEXTS):
        message = new_message(
            thread,
            author_kind=author_kind,
            content=text,
            client_id=f"c{i}",
            order=i,
        )
        context = fragments.message_context(message)
        assert items.render_message(context, oob=oob) == template_item(context, oob)


def test_stored_messages_with_their_rating_and_status_are_drawn_as_the_template_does(thread):
    for status in ("done", "stopped", "failed", "interrupted", "streaming"):
        for n in range(2):
            message = make_message(thread, f"answer {n} of {status}", author_kind="assistant")
            message.status = status
            message.feedback_value = (1, -1)[n]
            context = fragments.message_context(message)
            assert items.render_message(context) == template_item(context)


def test_a_message_in_another_thread_and_language_gets_its_own_ids_and_words(thread, user):
    from tests.factories import make_thread

    other = make_thread(user)
    for language in ("en", "fr", "ja"):
        with translation.override(language):
            for t in (thread, other):
                context = fragments.message_context(new_message(t, author_kind="user"))
                drawn = items.render_message(context)
                assert drawn == template_item(context)
                assert str(t.pk) not in drawn or str(context["message"].pk) in drawn


def test_the_messages_of_many_people_share_one_shape_and_are_drawn_as_the_template_does(thread):
    names = ["Ada Lovelace", "Grace <Hopper>", "李雷", "x" * 150]
    for n, name in enumerate(names):
        context = fragments.message_context(
            new_message(thread, author_kind="user", author_name=name, content=f"question {n}")
        )
        assert items.render_message(context) == template_item(context)
    # A shape is learnt by drawing the template twice: once for all of them, not per person.
    assert len(shapes._shapes) == 1
    for name in names[:2]:  # an answer shows its author's name: one shape per name
        context = fragments.message_context(new_message(thread, author_name=name))
        assert items.render_message(context) == template_item(context)
    assert len(shapes._shapes) == 3


@pytest.mark.parametrize("language", ["", "python", "json"])
def test_steps_running_and_ended_are_what_their_templates_draw(thread, language):
    now = timezone.now()
    parent = str(uuid.uuid4())
    for i, text in enumerate(TEXTS):
        for ended in (None, now + timedelta(milliseconds=i * 300)):
            step = Step(
                id=str(uuid.uuid4()), thread_id=thread.pk, parent_id=parent if i % 2 else None,
                name=f"tool {i % 2}", type="tool", started_at=now, ended_at=ended,
                input=text, output=text, language=language, order=i,
                metadata={"show_input": "json" if i % 3 else False},
            )  # fmt: skip
            context = fragments.step_context(step)
            assert items.render_step(fragments.FRAGMENTS + "step.html", context) == (
                template_item(context)
            )
            assert fragments.step_updated(step) == render_to_string(
                fragments.FRAGMENTS + "step_parts.html", {"item": context}
            )


def test_later_messages_and_steps_of_a_shape_are_drawn_without_the_template(thread, monkeypatch):
    drawn: list[str] = []
    render = shapes.render_to_string

    def counted(name, context):
        drawn.append(name)
        return render(name, context)

    monkeypatch.setattr(shapes, "render_to_string", counted)
    now = timezone.now()
    for n in range(3):
        message = new_message(thread, content=f"answer {n} <b>", client_id=f"c{n}", order=n)
        context = fragments.message_context(message)
        assert items.render_message(context) == template_item(context)
        step = Step(
            id=str(uuid.uuid4()), thread_id=thread.pk, parent_id=str(uuid.uuid4()),
            name="tool", type="tool", started_at=now, ended_at=now + timedelta(seconds=n),
            input=f"in {n}", output=f"out {n}", order=n, metadata={"icon": ""},
        )  # fmt: skip
        context = fragments.step_context(step)
        assert items.render_step(fragments.FRAGMENTS + "step.html", context) == (
            template_item(context)
        )
    # Each shape is drawn twice as it is learnt (see shapes.py), then never again.
    assert sorted(drawn) == sorted(
        [fragments.FRAGMENTS + "message.html"] * 2 + [fragments.FRAGMENTS + "step.html"] * 2
    )


def test_the_frames_of_a_new_item_are_unchanged(thread):
    message = new_message(thread, content="<i>new</i>")
    context = fragments.message_context(message)
    expected = render_to_string(
        fragments.FRAGMENTS + "append.html",
        {"target": "#messages", "html": template_item(context)},
    )
    assert frames.message_appended(message, thread.pk) == [expected]
    for running in (True, False):
        assert fragments.run_state(running) == render_to_string(
            fragments.FRAGMENTS + "run_state.html", {"running": running, "oob": True}
        )


LOCAL_TEMPLATES = {
    "shown.html": "<p id='{{ thing.id }}'>{{ text }}|{{ raw|safe }}</p>",
    "upper.html": "<p>{{ text|upper }}</p>",
    "length.html": "<p>{{ text|length }}</p>",
    "lines.html": "<p>{{ text|linebreaksbr }}</p>",
    "when.html": "<p>{{ when|date:'Y-m-d' }} {{ text }}</p>",
}


@pytest.fixture
def local_templates():
    engine = {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "OPTIONS": {"loaders": [("django.template.loaders.locmem.Loader", LOCAL_TEMPLATES)]},
    }
    with override_settings(TEMPLATES=[engine]):
        yield


def draw(name: str, **context) -> str:
    return shapes.render(name, context, ids=[context["thing"]["id"]], texts=[("text",), ("raw",)])


def test_a_shown_text_goes_in_escaped_and_a_safe_one_as_it_is(local_templates):
    for text in ["<b>one</b>", "two & 'three'", "four\nfive"]:
        thing = {"id": uuid.uuid4()}
        assert draw("shown.html", thing=thing, text=text, raw=text) == render_to_string(
            "shown.html", {"thing": thing, "text": text, "raw": text}
        )
    assert len(shapes._shapes) == 1  # one shape, learnt once


@pytest.mark.parametrize("name", ["upper.html", "length.html", "lines.html"])
def test_a_template_that_does_more_than_show_a_text_is_rendered_each_time(local_templates, name):
    for text in ["yes", "no, longer\ntext", "abc"]:
        context = {"thing": {"id": uuid.uuid4()}, "text": text, "raw": ""}
        assert draw(name, **context) == render_to_string(name, context)


def test_a_template_that_shows_a_date_is_rendered_each_time(local_templates):
    for days in (0, 400, 800):
        context = {
            "thing": {"id": uuid.uuid4()},
            "text": "t",
            "raw": "",
            "when": timezone.now() - timedelta(days=days),
        }
        assert draw("when.html", **context) == render_to_string("when.html", context)

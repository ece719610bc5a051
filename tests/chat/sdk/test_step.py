"""`cl.Step` and `@cl.step` through a real chat session: nesting, output, errors, display."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from asgiref.sync import sync_to_async
from django.test import Client
from django.urls import reverse

import chat.sdk as cl
from chat.engine.context import NoChatContextError
from chat.models import Message, Step
from chat.rendering import frames

pytestmark = pytest.mark.django_db(transaction=True)

VOID = {"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


@pytest.fixture
async def chat(use_assistant, open_chat, thread, user):
    use_assistant("steps")
    return await open_chat(thread, user)


async def steps_of(chat) -> list[Step]:
    return [s async for s in Step.objects.filter(thread_id=chat.thread.pk).order_by("order")]


def by_name(steps: list[Step]) -> dict[str, Step]:
    return {s.name: s for s in steps}


class DetailsTree(HTMLParser):
    """For each <details id=...> of a page: the id of the <details> it sits in, if any;
    and the ids of the hidden steps' boxes (shown by their children only)."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, str | None]] = []
        self.parent_of: dict[str, str | None] = {}
        self.hidden: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "details" and attrs.get("id"):
            parents = [i for t, i in self.stack if t == "details"]
            self.parent_of[attrs["id"]] = parents[-1] if parents else None
        if "step--hidden" in (attrs.get("class") or "").split():
            self.hidden.append(attrs.get("id"))
        if tag not in VOID:
            self.stack.append((tag, attrs.get("id")))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break


@sync_to_async
def reloaded_page(user, thread) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("chat:thread", args=[thread.pk]))
    assert response.status_code == 200
    return response.content.decode()


def tree_of(html: str) -> DetailsTree:
    tree = DetailsTree()
    tree.feed(html)
    return tree


def dom(step: Step) -> str:
    return f"s-{step.id}"


# -- nesting follows the call stack ---------------------------------------------------------
async def test_decorated_steps_nest_as_the_calls_do(chat):
    await chat.send("nested")
    steps = by_name(await steps_of(chat))
    assert set(steps) == {"plan", "search", "count_words"}
    plan, search, count = steps["plan"], steps["search"], steps["count_words"]
    assert plan.parent_id is None
    assert search.parent_id == plan.id
    assert count.parent_id == plan.id
    assert (plan.type, search.type, count.type) == ("run", "tool", "tool")
    # The steps come before the answer that used them, in call order.
    assert plan.order < search.order < count.order
    seen = chat.session.user_session["seen"]
    assert seen["outside"] is None
    assert seen["plan-step"] == str(plan.id)
    assert seen["search-parent-how many tickets"] == str(search.id)
    assert seen["count-step"] == str(count.id)
    assert (await chat.last_reply()).content == "planned 3 words"
    assert all(s.ended_at is not None and not s.is_error for s in steps.values())


async def test_concurrent_child_steps_both_get_the_parents_id(chat):
    await chat.send("gather")
    steps = await steps_of(chat)
    [parent] = [s for s in steps if s.name == "fan_out"]
    children = [s for s in steps if s.name == "search"]
    assert len(children) == 2
    assert {c.parent_id for c in children} == {parent.id}
    assert sorted(json.loads(c.input)["query"] for c in children) == ["left", "right"]
    assert parent.output == "found left and found right"


async def test_context_manager_steps_nest_and_the_current_step_follows(chat):
    await chat.send("context")
    steps = by_name(await steps_of(chat))
    outer, inner = steps["outer"], steps["inner"]
    assert inner.parent_id == outer.id
    seen = chat.session.user_session["seen"]
    assert seen["in-outer"] == seen["outer"] == str(outer.id)
    assert seen["in-inner"] == seen["inner"] == str(inner.id)
    assert seen["back-in-outer"] == str(outer.id)
    assert seen["after"] is None
    assert (outer.input, outer.output) == ("the question", "done")
    assert (inner.output, inner.language, inner.type) == ("print('hi')", "python", "llm")


async def test_sync_context_manager_steps_are_stored_nested(chat):
    await chat.send("sync-context")
    steps = by_name(await steps_of(chat))
    outer, inner = steps["sync outer"], steps["sync inner"]
    assert inner.parent_id == outer.id
    assert json.loads(inner.output) == {"ok": True}
    assert inner.language == "json"
    assert outer.ended_at is not None
    assert inner.ended_at is not None


# -- input, output, language ------------------------------------------------------------------
async def test_arguments_become_the_input_and_a_dict_result_becomes_json_output(chat):
    await chat.send("nested")
    steps = by_name(await steps_of(chat))
    plan = steps["plan"]
    assert json.loads(plan.input) == {"question": "how many tickets"}
    assert json.loads(plan.output) == {"question": "how many tickets", "words": 3}
    assert plan.language == "json"
    search = steps["search"]
    assert (search.output, search.language) == ("found how many tickets", "")
    # A sync step's int result is shown as JSON too.
    assert (steps["count_words"].output, steps["count_words"].language) == ("3", "json")


async def test_show_input_false_keeps_the_arguments_out(chat):
    await chat.send("quiet")
    [step] = await steps_of(chat)
    assert (step.name, step.input, step.output) == ("quiet", "", "")
    assert step.metadata["show_input"] is False


async def test_stream_token_streams_into_the_steps_output(chat):
    await chat.send("stream")
    [step] = await steps_of(chat)
    assert (step.input, step.output) == ("What is 2+2?", "It is 4.")
    assert chat.session.user_session["seen"]["streamed-output"] == "It is 4."
    # Tokens were appended to the step's output as they came.
    await chat.tab.until(lambda f: f"beforeend:#s-{step.id}-output-text" in f)
    final = await chat.tab.until(
        lambda f: f'id="s-{step.id}-output"' in f and "It is 4." in f and "message__stream" not in f
    )
    assert 'hx-swap-oob="outerHTML"' in final


async def test_a_step_is_pushed_running_then_done(chat):
    await chat.send("context")
    steps = by_name(await steps_of(chat))
    outer = steps["outer"]
    appended = await chat.tab.until(lambda f: "beforeend:#messages" in f and dom(outer) in f)
    assert 'data-state="running"' in appended
    child = await chat.tab.until(lambda f: f"beforeend:#s-{outer.id}-children" in f)
    assert dom(steps["inner"]) in child
    # (A frame may hold other steps' swaps too: those stored in the same trip.)
    done = await chat.tab.until(
        lambda f: f'id="s-{outer.id}-summary" class="step__summary" data-state="done"' in f
    )
    assert 'hx-swap-oob="outerHTML"' in done


async def test_display_options_are_kept_with_the_step(chat):
    await chat.send("options")
    steps = by_name(await steps_of(chat))
    lookup, fetch = steps["lookup"], steps["fetch"]
    assert lookup.metadata["default_open"] is True
    assert lookup.metadata["icon"] == "/static/chat/favicon.svg"
    assert lookup.metadata["show_input"] == "text"
    assert fetch.metadata["auto_collapse"] is True
    assert fetch.metadata["icon"] == "🌐"


async def test_an_auto_collapse_step_is_open_while_it_runs_and_closed_once_done(chat, user, thread):
    await chat.send("options")
    fetch = by_name(await steps_of(chat))["fetch"]
    running = await chat.tab.until(lambda f: "beforeend:#messages" in f and dom(fetch) in f)
    assert re.search(rf'<details id="{dom(fetch)}"[^>]* open data-auto-collapse', running)
    assert "step__spinner" in running
    # (A frame may hold other steps' swaps too: those stored in the same trip.)
    done = await chat.tab.until(
        lambda f: f'id="s-{fetch.id}-summary" class="step__summary" data-state="done"' in f
    )
    assert "step__spinner" not in done
    html = await reloaded_page(user, thread)
    opening = re.search(rf'<details id="{dom(fetch)}"[^>]*>', html).group(0)
    assert " open" not in opening
    assert "data-auto-collapse" not in opening
    assert '<span class="icon" aria-hidden="true">🌐</span>' in html


async def test_a_default_open_step_is_drawn_open_with_its_picture(chat, user, thread):
    await chat.send("options")
    lookup = by_name(await steps_of(chat))["lookup"]
    html = await reloaded_page(user, thread)
    opening = re.search(rf'<details id="{dom(lookup)}"[^>]*>', html).group(0)
    assert opening.endswith(" open>")
    assert 'class="icon" src="/static/chat/favicon.svg"' in html
    # show_input="text" shows the arguments, as plain text.
    q = '(?:&quot;|")'
    assert re.search(rf'<code class="language-text">\{{\s*{q}word{q}: {q}opened{q}', html)


# -- an answer sent from inside a step -----------------------------------------------------
def _stored_as_drawn(step_id, message_id, thread_id) -> list[str]:
    step = Step.objects.prefetch_related("elements").get(pk=step_id)
    message = Message.objects.with_feedback().prefetch_related("elements").get(pk=message_id)
    return frames.joined(
        [*frames.step_appended(step, thread_id), *frames.message_appended(message, thread_id)]
    )


async def test_an_answer_sent_from_a_quick_step_arrives_with_it_as_a_reload_draws_them(chat):
    start = len(chat.tab.frames)
    await chat.send("answer-inside")
    [step] = await steps_of(chat)
    answer = await chat.last_reply()
    assert answer.content == "answered inside"
    shown = [f for f in chat.tab.frames[start:] if dom(step) in f or f"m-{answer.id}" in f]
    # Nothing in the step waited: the step, done, and the answer are stored in one go
    # and come in one frame, the step first, exactly as the stored rows are drawn.
    assert shown == await sync_to_async(_stored_as_drawn)(step.id, answer.id, chat.thread.pk)
    assert 'data-state="done"' in shown[0]
    assert shown[0].index(dom(step)) < shown[0].index(f'<article id="m-{answer.id}"')


async def test_a_button_added_to_an_answer_sent_from_a_step_is_kept_with_it(chat, user, thread):
    await chat.send("answer-inside-button")
    answer = await chat.last_reply()
    assert [a["name"] for a in answer.metadata["actions"]] == ["again"]
    assert "Again" in await reloaded_page(user, thread)


async def test_a_step_working_on_after_its_answer_is_shown_running_then_done(chat):
    start = len(chat.tab.frames)
    await chat.send("answer-inside-wait")
    [step] = await steps_of(chat)
    answer = await chat.last_reply()
    frames_ = chat.tab.frames[start:]
    appended = next(
        i for i, f in enumerate(frames_) if "beforeend:#messages" in f and dom(step) in f
    )
    assert 'data-state="running"' in frames_[appended]
    answered = next(i for i, f in enumerate(frames_) if f'<article id="m-{answer.id}"' in f)
    done = next(
        i
        for i, f in enumerate(frames_)
        if f'id="s-{step.id}-summary" class="step__summary" data-state="done"' in f
    )
    assert appended <= answered < done


# -- errors -------------------------------------------------------------------------------
async def test_an_exception_marks_the_step_failed_and_is_raised_again(chat):
    await chat.send("fail")
    steps = by_name(await steps_of(chat))
    broken = steps["broken_tool"]
    assert broken.is_error
    assert broken.output == "ValueError: the index is gone"
    assert broken.ended_at is not None
    broken_sync = steps["broken_sync_tool"]
    assert broken_sync.is_error
    assert "KeyError" in broken_sync.output
    assert "missing" in broken_sync.output
    seen = chat.session.user_session["seen"]
    assert seen["caught"] == "the index is gone"
    assert seen["caught-sync"] == "KeyError('missing')"
    assert (await chat.last_reply()).content == "recovered"
    failed = await chat.tab.until(
        lambda f: f'id="s-{broken.id}-summary"' in f and 'data-state="failed"' in f
    )
    assert "step__badge--error" in failed


async def test_an_uncaught_step_error_fails_the_step_and_the_hook(chat):
    await chat.send("fail-uncaught")
    [step] = await steps_of(chat)
    assert step.is_error
    assert step.output == "ValueError: the index is gone"
    reply = await chat.last_reply()
    assert reply.is_error
    assert reply.author_kind == Message.Author.SYSTEM
    assert "ValueError: the index is gone" in reply.content


async def test_a_step_outside_a_hook_says_there_is_no_chat_context():
    with pytest.raises(NoChatContextError):
        await cl.Step(name="lonely").send()
    assert cl.context.current_step is None


# -- after a reload, and the cot setting ----------------------------------------------------
async def test_steps_render_nested_after_a_reload(chat, user, thread):
    await chat.send("nested")
    steps = by_name(await steps_of(chat))
    html = await reloaded_page(user, thread)
    tree = tree_of(html)
    plan, search, count = steps["plan"], steps["search"], steps["count_words"]
    assert tree.parent_of[dom(plan)] is None
    assert tree.parent_of[dom(search)] == dom(plan)
    assert tree.parent_of[dom(count)] == dom(plan)
    assert "Used <strong>plan</strong>" in html
    assert "found how many tickets" in html
    # The step comes before the answer it led to.
    assert html.index(dom(plan)) < html.index("planned 3 words")


async def test_the_socket_snapshot_renders_the_same_nested_steps(chat, thread):
    from chat.threads import snapshot as snapshots

    await chat.send("context")
    steps = by_name(await steps_of(chat))
    snapshot = await snapshots.asnapshot_html(thread)
    tree = tree_of(snapshot)
    assert tree.parent_of[dom(steps["inner"])] == dom(steps["outer"])


@pytest.mark.parametrize(
    ("mode", "shown", "hidden"),
    [
        ("full", {"agent", "search", "model"}, set()),
        ("tool_call", {"search"}, {"agent", "model"}),
        ("hidden", set(), {"agent", "search", "model"}),
    ],
)
async def test_the_cot_setting_decides_which_steps_are_shown(
    chat, user, thread, settings, mode, shown, hidden
):
    await chat.send("cot")
    steps = by_name(await steps_of(chat))
    settings.CHAT_COT = mode
    html = await reloaded_page(user, thread)
    tree = tree_of(html)
    assert {name for name in steps if dom(steps[name]) in tree.parent_of} == shown
    assert {name for name in steps if dom(steps[name]) in tree.hidden} == hidden
    # The answer is there whatever the mode.
    assert "<p>answer</p>" in html
    if mode == "tool_call":
        # The tool call shows although the run around it does not.
        assert "Used <strong>search</strong>" in html
        assert "thought about it" not in html
    if mode == "hidden":
        assert "step__summary" not in html
        assert "found cot" not in html


# -- elements on a step -------------------------------------------------------------------------
SIDE_ELEMENT_APP = """
import chat.sdk as cl


@cl.on_message
async def main(message: cl.Message):
    async with cl.Step(name="look") as step:
        step.elements = [cl.Text(name="notes", content="beside the step", display="side")]
        step.output = "see the notes"
    await cl.Message(content="looked").send()
"""


@pytest.mark.parametrize("display", ["side", "inline"])
async def test_a_step_ending_with_an_element_is_shown_with_it(
    use_assistant, open_chat, thread, user, tmp_path, display
):
    app = tmp_path / "side_app.py"
    app.write_text(SIDE_ELEMENT_APP.replace('display="side"', f'display="{display}"'))
    use_assistant(str(app))
    chat = await open_chat(thread, user)
    await chat.send("look")
    assert (await chat.last_reply()).content == "looked"
    [step] = [s for s in await steps_of(chat) if s.name == "look"]
    assert (step.output, step.is_error) == ("see the notes", False)
    # The tab saw the step end with its output.
    assert "see the notes" in await chat.tab.until(lambda f: "see the notes" in f)

"""Editing a sent message and regenerating the last answer: what the user sees, what the
assistant sees, and what stays on record for reviewers."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async

from chat.models import Message, Step
from chat.rendering import fragments
from chat.rendering.feedback import REVIEW
from chat.threads import edits
from chat.threads import store as threads
from tests.drivers import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
async def chat(use_assistant, open_chat, thread, user):
    use_assistant("editing")
    return await open_chat(thread, user)


async def shown(chat) -> list[tuple[str, str]]:
    rows = await sync_to_async(threads.thread_messages)(chat.thread)
    return [(m.author_kind, m.content) for m in rows]


def answers_to(rows: list[tuple[str, str]]) -> list[str]:
    return [text.split(" (")[0].split(" to: ")[1] for kind, text in rows if kind == "assistant"]


async def test_editing_a_message_in_the_middle_replaces_everything_after_it(chat):
    for text in ("one", "two", "three"):
        await chat.send(text)
    second = next(m for m in await chat.messages() if m.content == "two")

    await chat.session.edit_message(str(second.pk), "two, better")
    await chat.idle()

    rows = await shown(chat)
    assert [text for kind, text in rows if kind == "user"] == ["one", "two, better"]
    assert answers_to(rows) == ["one", "two, better"]
    # The assistant saw the history without what the edit replaced: one, its answer, the edit.
    assert rows[-1][1].endswith("(history 3; files )")


async def test_the_edited_message_keeps_its_id_and_its_earlier_wording(chat):
    await chat.send("first try")
    row = next(m for m in await chat.messages() if m.content == "first try")

    await chat.session.edit_message(str(row.pk), "second try")
    await chat.idle()

    await row.arefresh_from_db()
    assert row.content == "second try"
    assert [e["content"] for e in row.metadata["edits"]] == ["first try"]


async def test_what_an_edit_replaced_is_kept_marked_and_hidden_from_the_tabs(chat):
    await chat.send("one")
    await chat.send("two")
    first = next(m for m in await chat.messages() if m.content == "one")
    before = {m.pk for m in await chat.messages() if m.order > first.order}
    steps_before = [s async for s in Step.objects.filter(thread_id=chat.thread.pk)]

    await chat.session.edit_message(str(first.pk), "uno")
    await chat.idle()

    replaced = [m async for m in Message.objects.filter(pk__in=before)]
    assert len(replaced) == 3  # answer one, "two", answer two: nothing deleted
    assert {edits.superseded_reason(m) for m in replaced} == {edits.EDIT}
    for message_id in before:
        await chat.tab.until(lambda f, i=message_id: f'id="m-{i}" hx-swap-oob="delete"' in f)
    for step in steps_before:
        await step.arefresh_from_db()
        assert edits.is_superseded(step)


async def test_regenerate_replaces_the_last_answer_and_asks_again(chat):
    await chat.send("one")
    await chat.send("two")
    old_answer = await chat.last_reply()

    await chat.session.regenerate()
    await chat.idle()

    rows = await shown(chat)
    assert [text for kind, text in rows if kind == "user"] == ["one", "two"]
    assert answers_to(rows) == ["one", "two"]
    new_answer = await chat.last_reply()
    assert new_answer.pk != old_answer.pk
    # Same question, seen with the same history: one, its answer, two.
    assert new_answer.content.endswith("(history 3; files )")
    await old_answer.arefresh_from_db()
    assert edits.superseded_reason(old_answer) == edits.REGENERATE


async def test_regenerate_passes_the_question_s_files_again(chat, user):
    await chat.send("with a file")
    question = next(m for m in await chat.messages() if m.content == "with a file")
    await sync_to_async(_attach)(chat.thread, question, "notes.txt")

    await chat.session.regenerate()
    await chat.idle()

    assert (await chat.last_reply()).content.endswith("files notes.txt)")


def _attach(thread, message, name):
    from chat.models import Element

    Element.objects.create(thread=thread, message=message, kind="file", name=name)


async def test_regenerate_with_nothing_asked_yet_is_refused(chat):
    with pytest.raises(edits.CannotEdit, match="no answer to regenerate"):
        await chat.session.regenerate()


async def test_an_edit_while_the_assistant_answers_is_refused(chat):
    await chat.send("one")
    first = next(m for m in await chat.messages() if m.content == "one")
    await chat.send("hang", wait=False)
    await wait_for(lambda: chat.session.current_run is not None, what="the run")

    with pytest.raises(edits.CannotEdit, match="press Stop"):
        await chat.session.edit_message(str(first.pk), "uno")
    with pytest.raises(edits.CannotEdit, match="press Stop"):
        await chat.session.regenerate()
    await chat.session.stop()
    await chat.idle()
    await first.arefresh_from_db()
    assert first.content == "one"


@pytest.mark.parametrize(
    "target",
    ["not-a-uuid", "00000000-0000-0000-0000-000000000000", "assistant", "replaced"],
)
async def test_only_the_user_s_current_messages_can_be_edited(chat, target):
    await chat.send("one")
    await chat.send("two")
    first = next(m for m in await chat.messages() if m.content == "one")
    if target == "assistant":
        target = str((await chat.last_reply()).pk)
    elif target == "replaced":
        second = next(m for m in await chat.messages() if m.content == "two")
        await chat.session.edit_message(str(first.pk), "uno")
        await chat.idle()
        target = str(second.pk)

    with pytest.raises(edits.CannotEdit, match="can no longer be edited"):
        await chat.session.edit_message(target, "changed")


async def test_an_unchanged_edit_is_refused(chat):
    await chat.send("one")
    first = next(m for m in await chat.messages() if m.content == "one")
    with pytest.raises(edits.CannotEdit, match="unchanged"):
        await chat.session.edit_message(str(first.pk), "one")


async def test_a_message_of_another_thread_cannot_be_edited(chat, user, use_assistant, open_chat):
    from tests.factories import make_thread

    other = await open_chat(await sync_to_async(make_thread)(user), user)
    await other.send("elsewhere")
    foreign = next(m for m in await other.messages() if m.content == "elsewhere")
    with pytest.raises(edits.CannotEdit):
        await chat.session.edit_message(str(foreign.pk), "changed")
    await foreign.arefresh_from_db()
    assert foreign.content == "elsewhere"


async def test_the_reviewers_transcript_shows_what_was_replaced_and_why(chat):
    await chat.send("one")
    first = next(m for m in await chat.messages() if m.content == "one")
    await chat.session.edit_message(str(first.pk), "uno")
    await chat.idle()
    await chat.session.regenerate()
    await chat.idle()

    def review_html() -> str:
        context = fragments.messages_context(
            threads.thread_messages(chat.thread, include_superseded=True),
            threads.thread_steps(chat.thread, include_superseded=True),
            mode=REVIEW,
        )
        from django.template.loader import render_to_string

        return render_to_string("chat/fragments/messages.html", context)

    html = await sync_to_async(review_html)()
    assert html.count("message--superseded") == 2  # the answers to "one" and to "uno"
    assert "the user edited an earlier message" in html
    assert "the user regenerated the answer" in html
    assert "Before the edit:" in html
    assert "<q>one</q>" in html
    assert "removed by an edit" in html
    assert "removed by a regeneration" in html


async def test_a_resumed_session_s_history_leaves_out_what_was_replaced(chat, open_chat, user):
    await chat.send("one")
    first = next(m for m in await chat.messages() if m.content == "one")
    await chat.session.edit_message(str(first.pk), "uno")
    await chat.idle()
    await chat.close()

    resumed = await open_chat(chat.thread, user)
    await resumed.send("two")
    assert (await resumed.last_reply()).content.endswith("(history 3; files )")


def test_the_user_s_message_offers_edit_and_nothing_meant_for_answers(user, thread):
    from tests.factories import make_message

    html = fragments.message(make_message(thread, "mine"))
    assert "data-edit-message" in html
    assert 'name="type" value="edit"' in html
    assert "data-copy-message" not in html
    assert "Regenerate" not in html


def test_the_admin_transcript_shows_the_replaced_answer_greyed_with_why(user, thread):
    from django.test import Client
    from django.urls import reverse

    from tests.factories import make_message, make_user

    make_message(thread, "question", metadata={"edits": [{"content": "old question"}]})
    make_message(
        thread,
        "first answer",
        author_kind=Message.Author.ASSISTANT,
        metadata={edits.SUPERSEDED: {"reason": edits.REGENERATE}},
    )
    make_message(thread, "second answer", author_kind=Message.Author.ASSISTANT)
    reviewer = Client()
    reviewer.force_login(make_user(is_staff=True, is_superuser=True))

    html = reviewer.get(reverse("admin:chat_thread_transcript", args=[thread.pk])).content.decode()

    assert "first answer" in html
    assert "second answer" in html
    assert html.count("message--superseded") == 1
    assert "the user regenerated the answer" in html
    assert "<q>old question</q>" in html
    # The user's own view leaves it out.
    owner = Client()
    owner.force_login(user)
    page = owner.get(reverse("chat:thread", args=[thread.pk])).content.decode()
    assert "first answer" not in page
    assert "second answer" in page

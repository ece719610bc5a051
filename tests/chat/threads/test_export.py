"""Exports hold what the reviewers' transcript shows, edits and regenerations included."""

from __future__ import annotations

import csv
import io
import json

import pytest
from asgiref.sync import sync_to_async

from chat.models import Thread
from chat.threads import export

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
async def edited(use_assistant, open_chat, thread, user) -> Thread:
    """A chat where the user edited their first message, then regenerated the answer."""
    use_assistant("editing")
    chat = await open_chat(thread, user)
    await chat.send("first try")
    question = next(m for m in await chat.messages() if m.content == "first try")
    await chat.session.edit_message(str(question.pk), "second try")
    await chat.idle()
    await chat.session.regenerate()
    await chat.idle()
    return thread


def json_export(thread: Thread) -> dict:
    return json.loads("".join(export.json_chunks(Thread.objects.filter(pk=thread.pk))))[0]


def csv_export(thread: Thread) -> list[dict]:
    text = "".join(export.csv_chunks(Thread.objects.filter(pk=thread.pk)))
    return list(csv.DictReader(io.StringIO(text)))


async def test_the_json_export_marks_replaced_answers_and_keeps_earlier_wordings(edited):
    record = await sync_to_async(json_export)(edited)
    messages = [(m["author_kind"], m["content"], m["superseded"]) for m in record["messages"]]
    user = [m for m in record["messages"] if m["author_kind"] == "user"]

    assert [m["content"] for m in user] == ["second try"]
    assert [e["content"] for e in user[0]["earlier_wordings"]] == ["first try"]
    assert user[0]["earlier_wordings"][0]["replaced_at"]
    assert user[0]["superseded"] is None
    reasons = [s["reason"] if s else None for kind, _, s in messages if kind == "assistant"]
    # The answer to the first wording (edit), to the second (regenerated), then the current one.
    assert reasons == ["edit", "regenerate", None]
    assert all(s["at"] for kind, _, s in messages if s)


async def test_the_csv_export_marks_replaced_answers_and_keeps_earlier_wordings(edited):
    rows = await sync_to_async(csv_export)(edited)

    question = next(r for r in rows if r["author_kind"] == "user")
    assert question["content"] == "second try"
    assert json.loads(question["earlier_wordings"]) == ["first try"]
    assert question["superseded"] == ""
    answers = [r for r in rows if r["author_kind"] == "assistant"]
    assert [r["superseded"] for r in answers] == ["edit", "regenerate", ""]
    assert answers[0]["superseded_at"]
    assert "first try" in answers[0]["content"]
    assert list(rows[0])[-3:] == ["superseded", "superseded_at", "earlier_wordings"]


def test_a_message_nobody_edited_exports_with_empty_edit_columns(thread):
    from tests.factories import make_message

    make_message(thread, "hello")
    record = json_export(thread)
    assert record["messages"][0]["superseded"] is None
    assert record["messages"][0]["earlier_wordings"] == []
    row = csv_export(thread)[0]
    assert (row["superseded"], row["superseded_at"], row["earlier_wordings"]) == ("", "", "")

"""Files in a bucket reach a hook at a local path, as Chainlit apps expect: an
`AskFileResponse.path` and a sent file's `element.path` hold the file while the hook runs,
and are gone once it has ended."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.chat.sdk.test_ask import answers, open_question, upload

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
async def chat(bucket_store, use_assistant, open_chat, thread, user):
    use_assistant("interactive")
    return await open_chat(thread, user)


async def test_an_ask_file_response_path_is_a_copy_removed_when_the_hook_ends(
    chat, user, bucket_store
):
    await chat.send("ask-file", wait=False)
    question = await open_question(chat.thread, "file")
    ids = await upload(chat.thread, user, ("notes.txt", b"read from the bucket"))
    assert len(bucket_store.names()) == 1
    await chat.session.answer_with_files(str(question.id), tuple(ids))
    await chat.idle()

    [answer] = answers(chat)[0]
    # The hook read the file at its path ...
    assert answer["text"] == "read from the bucket"
    # ... a temporary copy, gone now that the hook has ended; the stored file stays.
    assert not Path(answer["path"]).exists()  # noqa: ASYNC240 (a test's check)
    assert len(bucket_store.names()) == 1


async def test_a_sent_files_path_is_a_copy_removed_when_the_hook_ends(
    bucket_store, use_assistant, open_chat, thread, user
):
    use_assistant("attachments")
    chat = await open_chat(thread, user)
    ids = await upload(chat.thread, user, ("notes.txt", b"sent with a message"))
    await chat.session.receive_message("read this", uuid.uuid4().hex, tuple(ids))
    await chat.idle()

    [received] = chat.session.user_session["received"]
    [notes] = received["files"]
    assert notes["text"] == "sent with a message"
    assert not Path(notes["path"]).exists()  # noqa: ASYNC240 (a test's check)

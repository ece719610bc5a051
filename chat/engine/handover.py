"""A thread opened under another assistant than the one that ran it.

Each thread records the assistant it runs with. When another one runs now (the developer
switched from the demo to their `app.py`, say), a chat nobody has written in yet starts
over as a new chat of the running assistant: its `on_chat_start` runs, and the profile,
settings and commands are its own. A conversation goes on, but without the settings
panel, commands and profile the earlier assistant offered: they would do nothing now.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from asgiref.sync import sync_to_async
from django.db import transaction

from chat.engine import assistant, chat_settings, commands, modes
from chat.models import Element, Message, Step, Thread

ASSISTANT_KEY = "assistant"
# What a written thread kept of the assistant that ran it before, for reviewers.
EARLIER_KEY = "earlier_assistant"
# What a chat keeps of its start; a new start goes without them.
STARTED_KEYS = ("user_session", "started", chat_settings.INPUTS_KEY, commands.COMMANDS_KEY)


def runs_elsewhere(thread: Thread) -> bool:
    """Whether the thread was last run by another assistant (or never recorded one)."""
    return thread.metadata.get(ASSISTANT_KEY) != assistant.identity()


def start_over(thread: Thread, profile: str = "") -> None:
    """Empties a chat the user has not written in, for a new start (under `profile`).

    Call inside a transaction, with the thread's row locked.
    """
    Step.objects.filter(thread=thread).delete()
    Message.objects.filter(thread=thread).delete()
    Element.objects.filter(thread=thread, kind="tasklist").delete()
    for key in STARTED_KEYS:
        thread.metadata.pop(key, None)
    thread.chat_profile = profile


def _drop_widgets(thread: Thread, earlier: str) -> None:
    """A conversation goes on under the running assistant, without the earlier one's
    widgets; its profile is kept in the metadata, where a reviewer can still read it."""
    thread.metadata.pop(chat_settings.INPUTS_KEY, None)
    thread.metadata.pop(commands.COMMANDS_KEY, None)
    thread.metadata.pop(modes.MODES_KEY, None)
    session = thread.metadata.get("user_session", {})
    session.pop("chat_settings", None)
    session.pop("chat_profile", None)
    thread.metadata[EARLIER_KEY] = {"assistant": earlier, "chat_profile": thread.chat_profile}
    thread.chat_profile = ""


def adopt(thread_id: UUID | str) -> tuple[Thread, bool]:
    """Makes the thread the running assistant's. Returns it as stored now, and whether it
    changed what a page shows (it was started, or given widgets, by another assistant)."""
    with transaction.atomic():
        thread = Thread.objects.select_for_update().get(pk=thread_id)
        if not runs_elsewhere(thread):
            return thread, False
        earlier: Any = thread.metadata.get(ASSISTANT_KEY)
        written = Message.objects.filter(thread=thread, author_kind=Message.Author.USER).exists()
        # A thread stored before threads recorded their assistant has nothing to undo,
        # unless a chat was started in it that nobody wrote in: that one starts over too.
        if written:
            changed = earlier is not None
            if changed:
                _drop_widgets(thread, earlier)
        else:
            changed = earlier is not None or bool(thread.metadata.get("started"))
            if changed:
                start_over(thread)
        thread.metadata[ASSISTANT_KEY] = assistant.identity()
        thread.save(update_fields=["chat_profile", "metadata"])
    return thread, changed


aadopt = sync_to_async(adopt)

"""Thread tags: labels the assistant puts on a conversation, shown in the sidebar and the
admin and found by `tag:<name>` in the sidebar's search.

Stored in `Thread.tags` as one tag per line between newlines, so that "tagged x" is a
plain LIKE on every database.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import Q

from chat.models import Thread

MAX_TAGS = 20
MAX_TAG = 50
PREFIX = "tag:"


def clean(tags: Any) -> list[str]:
    """The tags as stored: trimmed, each once, in order; a wrong one is the developer's
    mistake."""
    if isinstance(tags, str) or not isinstance(tags, list | tuple):
        raise ValueError("Thread tags must be a list of texts")
    found: list[str] = []
    for tag in tags:
        if not isinstance(tag, str):
            raise ValueError(f"A thread tag must be text, not {type(tag).__name__}")
        tag = " ".join(tag.split())
        if not tag or len(tag) > MAX_TAG:
            raise ValueError(f"A thread tag has 1 to {MAX_TAG} characters: {tag!r}")
        if tag not in found:
            found.append(tag)
    if len(found) > MAX_TAGS:
        raise ValueError(f"A thread has at most {MAX_TAGS} tags")
    return found


def as_text(tags: list[str]) -> str:
    return "\n" + "\n".join(tags) + "\n" if tags else ""


def of(thread: Thread) -> list[str]:
    return thread.tag_list


def tagged(tag: str) -> Q:
    """Threads with this tag (any case)."""
    return Q(tags__icontains=f"\n{' '.join(tag.split())}\n")


def split_query(query: str) -> tuple[list[str], str]:
    """The `tag:<name>` terms of a search, and the words left."""
    tags, words = [], []
    for term in query.split():
        if term.lower().startswith(PREFIX) and len(term) > len(PREFIX):
            tags.append(term[len(PREFIX) :])
        else:
            words.append(term)
    return tags, " ".join(words)


async def save(thread_id: UUID, tags: list[str]) -> None:
    await Thread.objects.filter(pk=thread_id).aupdate(tags=as_text(tags))

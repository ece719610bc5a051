"""Test data in one place."""

from __future__ import annotations

import itertools

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from chat.models import Element, Message, Step, Thread

PASSWORD = "a-long-test-password-42"
_numbers = itertools.count(1)


def make_user(
    email: str | None = None, password: str = PASSWORD, *, verified: bool = True, **extra
):
    """An account in good standing: its address confirmed, as sign-in requires."""
    email = email or f"user{next(_numbers)}@example.com"
    user = get_user_model().objects.create_user(email=email, password=password, **extra)
    if verified:
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    return user


def make_thread(owner, **fields) -> Thread:
    return Thread.objects.create(owner=owner, **fields)


def make_message(thread: Thread, content: str = "hi", **fields) -> Message:
    thread.last_order += 1
    thread.save(update_fields=["last_order"])
    fields.setdefault("author_kind", Message.Author.USER)
    return Message.objects.create(thread=thread, order=thread.last_order, content=content, **fields)


def words(count: int, start: int = 0, prefix: str = "w") -> str:
    """`count` distinct words ("w0 w1 …"): any cut through them shows where it is."""
    return " ".join(f"{prefix}{i}" for i in range(start, start + count))


def make_big_thread(owner, *, exchanges: int = 150, huge_answers: int = 2) -> Thread:
    """A thread of about 10 MB: `exchanges` pasted texts of 20 KB answered with 30 KB of
    markdown, then `huge_answers` answers of 1.5 MB each, the last of them still
    streaming. Each message's text ends with its own marker ("end-of-<order>")."""
    thread = make_thread(owner, title="A very long conversation", metadata={"started": True})
    rows = []
    order = 0

    def add(kind: str, text: str, **fields) -> None:
        nonlocal order
        order += 1
        rows.append(
            Message(
                thread=thread,
                order=order,
                author_kind=kind,
                author_name="Assistant" if kind == Message.Author.ASSISTANT else "User",
                content=f"{text} end-of-{order}",
                **fields,
            )
        )

    for i in range(exchanges):
        # Pasted text with characters that grow when escaped.
        add(Message.Author.USER, f"<pasted {i}> " + words(3_500, prefix="p")[:19_900])
        add(Message.Author.ASSISTANT, f"## Answer {i}\n\n" + words(4_300, prefix="a"))
    for i in range(huge_answers):
        status = Message.Status.STREAMING if i == huge_answers - 1 else Message.Status.DONE
        add(Message.Author.ASSISTANT, words(190_000, prefix=f"h{i}-"), status=status)
    Message.objects.bulk_create(rows)
    thread.last_order = order
    thread.save(update_fields=["last_order"])
    return thread


def make_long_thread(owner, messages: int) -> Thread:
    """Questions and answers in turn, each answer after a tool step with a nested one and
    carrying a text element; message i says "msg-i" (1-based)."""
    thread = Thread.objects.create(owner=owner, title="Long", metadata={"started": True})
    order = 0
    rows, steps = [], []
    for i in range(1, messages + 1):
        answer = i % 2 == 0
        if answer:
            order += 1
            parent = Step(thread=thread, order=order, type="tool", name=f"tool-{i}")
            order += 1
            child = Step(thread=thread, order=order, type="tool", name=f"inner-{i}", parent=parent)
            steps += [parent, child]
        order += 1
        kind = Message.Author.ASSISTANT if answer else Message.Author.USER
        rows.append(Message(thread=thread, order=order, author_kind=kind, content=f"msg-{i}"))
    Message.objects.bulk_create(rows)
    Step.objects.bulk_create(steps)
    Element.objects.bulk_create(
        Element(thread=thread, message=m, kind="text", name=f"note-{m.content}", content="n")
        for m in rows
        if m.author_kind == Message.Author.ASSISTANT
    )
    thread.last_order = order
    thread.save(update_fields=["last_order"])
    return thread

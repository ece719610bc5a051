"""Test data in one place."""

from __future__ import annotations

import itertools

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from chat.models import Message, Thread

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

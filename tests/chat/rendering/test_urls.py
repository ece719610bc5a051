"""Items' URLs filled into a pattern reversed once: the same as reverse() gives."""

from __future__ import annotations

import uuid

from django.urls import clear_script_prefix, reverse, set_script_prefix

from chat.rendering.urls import item_url


def test_an_items_urls_are_what_reverse_gives():
    thread_id, message_id = uuid.uuid4(), uuid.uuid4()
    assert item_url("chat:message_source", thread_id, message_id) == reverse(
        "chat:message_source", args=[thread_id, message_id]
    )
    assert item_url("chat:feedback", str(message_id)) == reverse("chat:feedback", args=[message_id])


def test_under_a_prefix_the_urls_carry_it():
    message_id = uuid.uuid4()
    set_script_prefix("/assistant/")
    try:
        url = item_url("chat:feedback", message_id)
        assert url == reverse("chat:feedback", args=[message_id])
        assert url.startswith("/assistant/")
    finally:
        clear_script_prefix()
    assert not item_url("chat:feedback", message_id).startswith("/assistant/")


def test_an_id_that_is_not_a_uuid_is_reversed_as_given():
    assert item_url("chat:feedback", "not-a-uuid") == reverse("chat:feedback", args=["not-a-uuid"])

"""The chat page draws the profile, starters, settings and commands the thread has."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from chat.models import Message, Thread
from tests.assistants.chat_options import COMMANDS, widgets
from tests.factories import make_message, make_thread, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, user) -> Client:
    client.force_login(user)
    return client


@pytest.fixture
def options(use_assistant):
    use_assistant("chat_options")


def page(client: Client, thread: Thread) -> str:
    response = client.get(reverse("chat:thread", args=[thread.id]))
    assert response.status_code == 200
    return response.content.decode()


def pressed_profiles(html: str) -> list[str]:
    return re.findall(r'name="profile" value="([^"]+)">\s*<button[^>]*aria-pressed="true"', html)


def test_a_new_chat_offers_the_profiles_with_the_default_one_chosen(options, signed_in, thread):
    html = page(signed_in, thread)
    assert 'value="General"' in html
    assert 'value="Research"' in html
    assert pressed_profiles(html) == ["General"]
    assert "<strong>anything</strong>" in html  # the description is markdown
    thread.refresh_from_db()
    assert thread.chat_profile == "General"
    assert 'id="thread-profile"' in html
    assert "General</span>" in html


def test_a_new_chat_shows_the_starters_of_its_profile(options, signed_in, thread):
    html = page(signed_in, thread)
    assert 'data-starter-message="hello from a starter"' in html
    assert 'data-starter-command="search"' in html
    Thread.objects.filter(pk=thread.pk).update(chat_profile="Research")
    html = page(signed_in, thread)
    assert 'data-starter-message="find papers on RAG"' in html
    assert "hello from a starter" not in html
    assert pressed_profiles(html) == ["Research"]


def test_a_chat_the_user_has_written_in_shows_no_picker_and_no_starters(options, signed_in, thread):
    make_message(thread, "hi", metadata={"command": "search"})
    html = page(signed_in, thread)
    assert 'name="profile"' not in html
    assert "data-starter-message" not in html
    assert 'class="message__command"' in html
    assert "/search" in html


def test_a_thread_keeps_showing_a_profile_the_assistant_no_longer_offers(
    options, signed_in, thread
):
    make_message(thread, "hi")
    Thread.objects.filter(pk=thread.pk).update(chat_profile="Retired")
    html = page(signed_in, thread)
    thread.refresh_from_db()
    assert thread.chat_profile == "Retired"
    assert "Retired</span>" in html


def test_without_profiles_or_starters_nothing_is_drawn(use_assistant, signed_in, thread):
    use_assistant("echo")
    html = page(signed_in, thread)
    assert re.search(r'<section id="chat-start"[^>]* hidden', html)
    assert re.search(r'id="settings-open"[^>]* hidden', html)
    thread.refresh_from_db()
    assert thread.chat_profile == ""


def test_the_settings_panel_is_drawn_with_the_saved_values(options, signed_in, thread):
    thread.metadata = {
        "chat_settings_inputs": [w.to_dict() for w in widgets()],
        "commands": COMMANDS,
        "user_session": {"chat_settings": {"model": "large", "topics": ["a", "b"], "cite": True}},
    }
    thread.save()
    html = page(signed_in, thread)
    assert re.search(r'<option value="large" selected>', html)
    assert 'value="a, b"' in html
    assert re.search(r'name="setting:cite" value="on" checked', html)
    assert re.search(r'name="setting:stream" value="on" role="switch" checked', html)
    assert re.search(r'name="setting:locked"[^>]* disabled', html)
    assert re.search(r'id="settings-open"(?![^>]* hidden)', html)


def test_the_commands_are_drawn_in_the_composer(options, signed_in, thread):
    Thread.objects.filter(pk=thread.pk).update(metadata={"commands": COMMANDS})
    html = page(signed_in, thread)
    assert 'role="listbox"' in html
    assert 'data-command="search"' in html
    assert 'data-command="draft" data-persistent' in html
    assert 'data-command-button="search"' in html


def test_the_admin_filters_conversations_by_profile(user):
    make_message(make_thread(user, title="Research chat", chat_profile="Research"), "hi")
    make_thread(user, title="General chat", chat_profile="General")
    make_message(Thread.objects.get(title="General chat"), "hi", author_kind=Message.Author.USER)
    admin = Client()
    admin.force_login(make_user(email="root@example.com", is_staff=True, is_superuser=True))
    changelist = reverse("admin:chat_thread_changelist")
    html = admin.get(changelist).content.decode()
    assert "?chat_profile=Research" in html  # the filter offers the profiles in use
    html = admin.get(changelist, {"chat_profile": "Research"}).content.decode()
    assert "Research chat" in html
    assert "General chat" not in html


def test_a_failing_profiles_hook_does_not_take_the_page_down(use_assistant, signed_in, thread):
    from chat.engine.registry import hooks

    use_assistant("chat_options")

    def broken(user):
        raise RuntimeError("the directory is down")

    hooks.set_chat_profiles = broken
    html = page(signed_in, thread)
    assert 'id="composer"' in html
    assert 'name="profile"' not in html

"""HTML fragments: each has a stable id, pushed ones swap themselves out of band."""

from __future__ import annotations

import pytest

from chat.models import Message
from chat.rendering import fragments
from tests.factories import make_message, make_thread, make_user

pytestmark = pytest.mark.django_db


def test_a_message_has_a_stable_id_and_swaps_itself_when_pushed(thread):
    message = make_message(thread, "hi", author_kind=Message.Author.ASSISTANT)
    assert f'id="m-{message.id}"' in fragments.message(message)
    assert "hx-swap-oob" not in fragments.message(message)
    assert 'hx-swap-oob="outerHTML"' in fragments.message(message, oob=True)


def test_a_new_message_is_appended_to_the_list(thread):
    message = make_message(thread, "hi")
    html = fragments.message_appended(message)
    assert html.startswith('<div hx-swap-oob="beforeend:#messages">')
    assert f'id="m-{message.id}"' in html


def test_user_text_is_shown_as_typed_and_escaped(thread):
    html = fragments.message(make_message(thread, "**not bold** <script>alert(1)</script>"))
    assert "**not bold** &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script" not in html


def test_assistant_text_is_rendered_as_sanitised_markdown(thread):
    html = fragments.message(
        make_message(
            thread, "**bold** <img src=x onerror=alert(1)>", author_kind=Message.Author.ASSISTANT
        )
    )
    assert "<strong>bold</strong>" in html
    assert "<img" not in html


def test_tokens_are_appended_to_their_target_and_escaped():
    html = fragments.tokens("m-abc-text", " <b>x</b>")
    assert html.strip() == '<span hx-swap-oob="beforeend:#m-abc-text"> &lt;b&gt;x&lt;/b&gt;</span>'


def test_a_removed_message_deletes_itself():
    assert fragments.message_removed("abc").strip() == '<div id="m-abc" hx-swap-oob="delete"></div>'


def test_a_notice_replaces_the_notice_area_and_an_empty_one_clears_it():
    error = fragments.notice("Something <bad>")
    assert 'id="chat-notice"' in error
    assert 'hx-swap-oob="outerHTML"' in error
    assert "Something &lt;bad&gt;" in error
    assert 'role="alert"' in error
    assert "<span>" not in fragments.notice("")


@pytest.mark.parametrize("status", ["stopped", "interrupted", "failed"])
def test_an_answer_cut_off_as_a_list_item_began_shows_no_empty_item(thread, status):
    message = make_message(
        thread,
        "Steps:\n\n1. Sign in\n2. Ask\n3.",
        author_kind=Message.Author.ASSISTANT,
        status=status,
    )
    html = fragments.message(message)
    assert html.count("<li>") == 2
    assert "<li></li>" not in html


def test_a_finished_answer_keeps_every_item_as_written(thread):
    message = make_message(thread, "1. Sign in\n2.", author_kind=Message.Author.ASSISTANT)
    assert "<li></li>" in fragments.message(message)


@pytest.mark.django_db
def test_user_messages_are_plain_text_unless_the_setting_renders_them_as_markdown():
    from django.test import override_settings

    thread = make_thread(make_user())
    message = make_message(thread, "**bold** and `code`")
    assert "<strong>" not in fragments.message(message)
    assert "**bold**" in fragments.message(message)
    with override_settings(CHAT_USER_MESSAGE_MARKDOWN=True):
        html = fragments.message(message)
    assert "<strong>bold</strong> and <code>code</code>" in html


@pytest.mark.django_db
def test_a_steps_input_and_code_output_are_highlighted_as_answers_code_is():
    from django.utils import timezone

    from chat.models import Step

    thread = make_thread(make_user())
    now = timezone.now()
    step = Step.objects.create(
        thread=thread,
        order=1,
        type="tool",
        name="query",
        input='{"table": "orders"}',
        output="SELECT 1",
        language="sql",
        started_at=now,
        ended_at=now,
    )
    html = fragments.step(step.pk, [step])
    assert '<span class="code-block__lang">json</span>' in html
    assert '<span class="code-block__lang">sql</span>' in html
    assert '<code class="language-sql"><span class="k">SELECT</span>' in html

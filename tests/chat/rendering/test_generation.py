"""LLM steps as a reviewer reads them: the transcript shows each call's model, tokens,
settings and prompt; the admin list shows each thread's total tokens."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from chat.models import Step, Thread
from tests.factories import make_message, make_thread, make_user

pytestmark = pytest.mark.django_db

GENERATION = {
    "provider": "openai",
    "model": "gpt-4o-mini",
    "settings": {"temperature": 0.2},
    "tools": ["current_time"],
    "input_tokens": 120,
    "output_tokens": 30,
    "total_tokens": 150,
    "tt_first_token_ms": 240,
    "duration_ms": 900,
}


@pytest.fixture
def review() -> Client:
    reviewer = make_user(email="reviewer@example.com", is_staff=True)
    reviewer.groups.add(Group.objects.get(name="Reviewers"))
    client = Client()
    client.force_login(reviewer)
    return client


def thread_with_an_llm_call(owner) -> Thread:
    thread = make_thread(owner, title="Tokens")
    make_message(thread, "what time is it?")
    now = timezone.now()
    Step.objects.create(
        thread=thread,
        order=10,
        type="llm",
        name="gpt-4o-mini",
        input=json.dumps([{"role": "user", "content": "what time is it?"}]),
        output="It is noon.",
        started_at=now,
        ended_at=now,
        metadata={"generation": GENERATION},
    )
    Thread.objects.filter(pk=thread.pk).update(total_tokens=150, last_order=10)
    return thread


def test_the_transcript_shows_the_model_tokens_settings_and_prompt(review, user):
    thread = thread_with_an_llm_call(user)
    html = review.get(reverse("admin:chat_thread_transcript", args=[thread.pk])).content.decode()
    assert 'class="step step--llm"' in html
    assert "150 tokens" in html
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "Model gpt-4o-mini (openai)" in text
    assert "120 in, 30 out (150 in all)" in text
    assert "240 ms" in text
    assert "current_time" in text
    assert "&quot;temperature&quot;: 0.2" in html
    assert "what time is it?" in text
    assert "It is noon." in text


def test_a_step_without_a_generation_shows_no_token_line(review, user):
    thread = make_thread(user)
    Step.objects.create(thread=thread, order=1, type="tool", name="lookup", output="x")
    html = review.get(reverse("admin:chat_thread_transcript", args=[thread.pk])).content.decode()
    assert "step__generation" not in html
    assert "step__tokens" not in html


def test_the_admin_list_shows_each_threads_total_tokens(review, user):
    thread_with_an_llm_call(user)
    make_message(make_thread(user, title="No model here"), "hello")
    html = review.get(reverse("admin:chat_thread_changelist")).content.decode()
    assert "LLM tokens" in html
    assert re.search(r'<td class="field-tokens">150</td>', html)
    assert re.search(r'<td class="field-tokens">0</td>', html)

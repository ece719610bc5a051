"""Reviewers find conversations by where they happened; admins link platform people."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from chat.models import PlatformAccount, Thread
from tests.factories import make_message, make_thread, make_user

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:chat_thread_changelist")


@pytest.fixture
def admin(db) -> Client:
    client = Client()
    client.force_login(make_user(email="root@example.com", is_staff=True, is_superuser=True))
    return client


def titles(html: str) -> list[str]:
    return re.findall(r'<th class="field-title_shown"><a href="[^"]+">([^<]+)</a>', html)


def test_the_conversation_list_filters_by_source(admin, user):
    for fields in (
        {"title": "From the web"},
        {"title": "From Slack", "source": Thread.Source.SLACK, "external_id": "C1:1.0"},
        {"title": "From Teams", "source": Thread.Source.TEAMS, "external_id": "a:1"},
    ):
        make_message(make_thread(user, **fields), "hello")  # the list shows threads written in
    page = admin.get(CHANGELIST, {"source": "slack"}).content.decode()
    assert titles(page) == ["From Slack"]
    assert "By source" in admin.get(CHANGELIST).content.decode()


def test_an_admin_links_a_discord_user_to_an_account(admin, user):
    response = admin.post(
        reverse("admin:chat_platformaccount_add"),
        {"platform": "discord", "external_id": "80351110224678912", "user": user.pk, "name": "A"},
    )
    assert response.status_code == 302
    assert PlatformAccount.objects.get(platform="discord").user == user

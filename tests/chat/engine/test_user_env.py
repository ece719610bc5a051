"""`user_env`: values each person gives once, stored encrypted, read by the hooks."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from chat.engine import user_env
from chat.models import Message, Thread, UserEnv
from chat.sdk.config import config
from tests.chat.web.test_consumers import connect, path_of  # noqa: F401 (a fixture)

PORT_CHECK = Path(__file__).resolve().parents[2] / "port_check"
KEY = "sk-test-1234567890abcd"


@pytest.fixture
def asked(settings):
    settings.CHAT_USER_ENV = ["OPENAI_API_KEY", "ORG_ID"]


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_the_chat_asks_once_then_keeps_the_values_encrypted(asked, user, thread):
    client = signed_in(user)
    page = reverse("chat:thread", args=[thread.pk])
    response = client.get(page)
    assert response.status_code == 302
    assert response["Location"] == f"/keys/?next={page.replace('/', '%2F')}"
    form = client.get(response["Location"]).content.decode()
    assert 'type="password" id="env-OPENAI_API_KEY"' in form
    assert config.project.user_env == ["OPENAI_API_KEY", "ORG_ID"]

    # One missing: the form again, what was given kept.
    half = client.post(reverse("chat:user_env"), {"OPENAI_API_KEY": KEY, "next": page})
    assert half.status_code == 200
    assert user_env.missing(user) == ["ORG_ID"]
    done = client.post(reverse("chat:user_env"), {"ORG_ID": "acme", "next": page})
    assert done.status_code == 302
    assert done["Location"] == page
    assert client.get(page).status_code == 200
    assert user_env.values(user) == {"OPENAI_API_KEY": KEY, "ORG_ID": "acme"}
    sealed = UserEnv.objects.get(user=user).sealed
    assert KEY not in sealed
    assert "acme" not in sealed
    # Shown again, never: the form says it is saved.
    assert KEY not in client.get(reverse("chat:user_env")).content.decode()


@pytest.mark.django_db
def test_bad_values_and_foreign_redirects_are_refused(asked, user):
    client = signed_in(user)
    response = client.post(reverse("chat:user_env"), {"OPENAI_API_KEY": "x" * 5000})
    assert response.status_code == 400
    assert "OPENAI_API_KEY is too long (at most 4096 characters)." in response.content.decode()
    assert user_env.missing(user) == ["OPENAI_API_KEY", "ORG_ID"]
    response = client.post(
        reverse("chat:user_env"),
        {"OPENAI_API_KEY": KEY, "ORG_ID": "acme", "next": "https://evil.example.com/"},
    )
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_without_the_setting_there_is_nothing_to_ask(user, thread):
    client = signed_in(user)
    assert client.get(reverse("chat:thread", args=[thread.pk])).status_code == 200
    assert client.get(reverse("chat:user_env")).status_code == 404


@pytest.mark.django_db(transaction=True)
async def test_a_chainlit_app_reads_the_users_env(
    asked,
    settings,
    use_assistant,
    connect,  # noqa: F811
    thread,
    user,
):
    settings.CHAT_USER_ENV = ["OPENAI_API_KEY"]
    use_assistant(str(PORT_CHECK / "user_env_app.py"))
    connected, _, socket = await connect(path_of(thread), user=user)
    assert connected
    await socket.until(lambda f: "Your key ends in ." in f)  # none given yet
    await socket.say("hello")
    await socket.until(lambda f: "Enter the keys this assistant needs first." in f)
    assert not await Message.objects.filter(thread=thread, content="hello").aexists()

    from asgiref.sync import sync_to_async

    await sync_to_async(user_env.save)(user, {"OPENAI_API_KEY": KEY})
    other = await sync_to_async(Thread.objects.create)(owner=user)
    connected, _, socket = await connect(path_of(other), user=user)
    await socket.until(lambda f: "Your key ends in abcd." in f)
    await socket.say("hello")
    await socket.until(lambda f: "hello (with a key of 22 characters)" in f)
    saved = (await Thread.objects.aget(pk=other.pk)).metadata
    assert KEY not in str(saved)

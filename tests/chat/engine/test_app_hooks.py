"""Hooks around the chat: author names, toasts, error messages, sign-out, start and stop."""

from __future__ import annotations

import asyncio

import pytest
from django.test import Client

import chat.sdk as cl
from chat.engine import app_hooks
from chat.engine.registry import hooks
from chat.models import Message
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
async def chat(use_assistant, open_chat, thread, user):
    use_assistant("editing")
    return await open_chat(thread, user)


# -- author_rename -------------------------------------------------------------------------------
async def test_an_async_author_rename_names_the_author_shown_and_stored(chat):
    await chat.send("hi")
    reply = await chat.last_reply()
    assert reply.author_name == "Helpful Bot"
    await chat.tab.until(lambda f: f'id="m-{reply.pk}"' in f and "Helpful Bot" in f)


async def test_a_sync_author_rename_works_too_and_other_names_stay(monkeypatch):
    monkeypatch.setattr(hooks, "author_rename", lambda name: name.upper())
    assert await app_hooks.renamed_author("bot") == "BOT"
    monkeypatch.setattr(hooks, "author_rename", lambda name: None)
    assert await app_hooks.renamed_author("bot") == "bot"


def test_the_decorators_register_the_hooks(monkeypatch):
    for name in ("author_rename", "on_logout", "on_app_startup", "on_app_shutdown"):
        monkeypatch.setattr(hooks, name, None)

    def fn(*args):
        return None

    cl.author_rename(fn)
    cl.on_logout(fn)
    cl.on_app_startup(fn)
    cl.on_app_shutdown(fn)
    assert (
        hooks.author_rename,
        hooks.on_logout,
        hooks.on_app_startup,
        hooks.on_app_shutdown,
    ) == (fn, fn, fn, fn)


# -- toasts and error messages -----------------------------------------------------------------
@pytest.mark.parametrize("kind", ["info", "success", "warning", "error"])
async def test_a_toast_reaches_the_tabs_with_its_type(chat, kind):
    await chat.send(f"toast {kind}")
    toast = await chat.tab.until(lambda f: "toast--" in f)
    assert f'class="toast toast--{kind}"' in toast
    assert f"A {kind} toast" in toast
    assert 'hx-swap-oob="beforeend:#toasts"' in toast


async def test_a_toast_of_an_unknown_type_is_an_error_in_the_thread(chat):
    await chat.send("toast purple")
    error = await chat.last_reply()
    assert error.is_error
    assert "Unknown toast type 'purple'" in error.content


async def test_an_error_message_is_shown_as_an_error(chat):
    await chat.send("oops")
    row = await chat.last_reply()
    assert (row.content, row.is_error, row.author_kind) == (
        "That went wrong",
        True,
        Message.Author.SYSTEM,
    )
    await chat.tab.until(lambda f: f'id="m-{row.pk}"' in f and "message--error" in f)


# -- on_logout ---------------------------------------------------------------------------------
def test_signing_out_runs_on_logout_with_the_request_and_its_cookies_reach_the_browser(
    user, monkeypatch
):
    seen = []

    async def logout(request, response):
        seen.append(request.user.email)
        response.delete_cookie("assistant_pref")
        response.set_cookie("signed_out", "yes")

    monkeypatch.setattr(hooks, "on_logout", logout)
    client = Client()
    assert client.login(email=user.email, password=PASSWORD)

    response = client.post("/accounts/logout/")

    assert seen == [user.email]
    assert response.cookies["signed_out"].value == "yes"
    assert response.cookies["assistant_pref"]["max-age"] == 0


def test_a_failing_on_logout_still_signs_the_user_out(user, monkeypatch):
    def logout(request, response):
        raise RuntimeError("broken hook")

    monkeypatch.setattr(hooks, "on_logout", logout)
    client = Client()
    client.login(email=user.email, password=PASSWORD)
    client.post("/accounts/logout/")
    assert client.get("/").status_code == 302  # to the sign-in page


# -- on_app_startup / on_app_shutdown ----------------------------------------------------------
async def test_startup_runs_once_before_anything_is_served_and_shutdown_once(monkeypatch):
    calls = []

    async def startup():
        await asyncio.sleep(0.01)
        calls.append("start")

    monkeypatch.setattr(hooks, "on_app_startup", startup)
    monkeypatch.setattr(hooks, "on_app_shutdown", lambda: calls.append("stop"))
    served = []

    async def app(scope, receive, send):
        served.append(list(calls))

    wrapped = app_hooks.LifecycleApp(app)
    monkeypatch.setattr(app_hooks, "lifecycle", app_hooks.Lifecycle())
    await asyncio.gather(*(wrapped({"type": "http"}, None, None) for _ in range(3)))
    await app_hooks.lifecycle.stopping()
    await app_hooks.lifecycle.stopping()

    assert served == [["start"]] * 3
    assert calls == ["start", "stop"]


async def test_the_lifespan_protocol_runs_both_hooks(monkeypatch):
    calls = []
    monkeypatch.setattr(hooks, "on_app_startup", lambda: calls.append("start"))
    monkeypatch.setattr(hooks, "on_app_shutdown", lambda: calls.append("stop"))
    monkeypatch.setattr(app_hooks, "lifecycle", app_hooks.Lifecycle())
    incoming = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    sent = []

    async def receive():
        return incoming.pop(0)

    async def send(message):
        sent.append(message["type"])

    await app_hooks.LifecycleApp(None)({"type": "lifespan"}, receive, send)

    assert calls == ["start", "stop"]
    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]


async def test_a_failing_startup_hook_is_logged_and_serving_goes_on(monkeypatch, caplog):
    def startup():
        raise RuntimeError("no model today")

    monkeypatch.setattr(hooks, "on_app_startup", startup)
    monkeypatch.setattr(app_hooks, "lifecycle", app_hooks.Lifecycle())
    served = []

    async def app(scope, receive, send):
        served.append(True)

    await app_hooks.LifecycleApp(app)({"type": "http"}, None, None)
    assert served == [True]
    assert "on_app_startup hook failed" in caplog.text

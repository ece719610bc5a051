"""Sharing controls as in Chainlit: `@cl.on_shared_thread_view(thread, viewer)` decides who
besides the owner opens a shared link; CHAT_SHARING=0 turns sharing off entirely."""

from __future__ import annotations

import logging

import pytest
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

import chat.sdk as cl
from chat.engine.registry import hooks
from chat.models import Element, Message
from chat.rendering import sidebar
from chat.threads import history
from tests.factories import make_message, make_thread, make_user

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def shared(user):
    thread = make_thread(user, title="Team plans")
    make_message(thread, "the plan")
    make_message(thread, "an answer", author_kind=Message.Author.ASSISTANT)
    history.share(user, thread.pk)
    thread.refresh_from_db()
    return thread


@pytest.fixture
def no_hook(monkeypatch):
    monkeypatch.setattr(hooks, "on_shared_thread_view", None)


def link(thread) -> str:
    return reverse("chat:shared", args=[thread.share_token])


def test_the_hook_decides_who_else_opens_the_link(user, shared, no_hook):
    seen = []

    @cl.on_shared_thread_view
    async def same_team(thread: cl.types.ThreadDict, viewer: cl.User) -> bool:
        seen.append((thread["name"], thread["metadata"]["is_shared"], viewer.identifier))
        return viewer.metadata.get("team") == "blue"

    teammate = make_user("blue@example.com", metadata={"team": "blue"})
    outsider = make_user("red@example.com", metadata={"team": "red"})
    assert signed_in(teammate).get(link(shared)).status_code == 200
    assert signed_in(outsider).get(link(shared)).status_code == 404
    assert seen == [
        ("Team plans", True, "blue@example.com"),
        ("Team plans", True, "red@example.com"),
    ]
    # The owner is not asked.
    assert signed_in(user).get(link(shared)).status_code == 200
    assert len(seen) == 2


def test_the_shared_threads_files_answer_to_the_hook_as_its_page_does(user, shared, no_hook):
    element = Element.objects.create(
        thread=shared,
        message=shared.messages.last(),
        kind="text",
        name="plan.txt",
        content="the secret plan",
    )
    file_url = reverse("chat:element_file", args=[element.pk])
    page_url = reverse("chat:element", args=[element.pk])

    @cl.on_shared_thread_view
    def same_team(thread, viewer) -> bool:
        return viewer.metadata.get("team") == "blue"

    teammate = signed_in(make_user("blue@example.com", metadata={"team": "blue"}))
    outsider = signed_in(make_user("red@example.com", metadata={"team": "red"}))
    assert b"".join(teammate.get(file_url).streaming_content) == b"the secret plan"
    assert teammate.get(page_url).status_code == 200
    assert outsider.get(file_url).status_code == 404
    assert outsider.get(page_url).status_code == 404
    assert outsider.get(page_url, **HX).status_code == 404
    # The owner is not asked, and still gets the file.
    assert b"".join(signed_in(user).get(file_url).streaming_content) == b"the secret plan"


def test_the_links_earlier_messages_answer_to_the_hook_as_its_page_does(
    user, no_hook, settings
):
    settings.CHAT_THREAD_PAGE_SIZE = 2
    thread = make_thread(user, title="Long plans")
    for n in range(5):
        make_message(thread, f"plan {n}")
    history.share(user, thread.pk)
    thread.refresh_from_db()

    @cl.on_shared_thread_view
    def same_team(thread, viewer) -> bool:
        return viewer.metadata.get("team") == "blue"

    earlier = link(thread) + "?before=" + str(thread.messages.order_by("-order")[1].order)
    teammate = signed_in(make_user("blue@example.com", metadata={"team": "blue"}))
    outsider = signed_in(make_user("red@example.com", metadata={"team": "red"}))
    assert "plan 2" in teammate.get(earlier, **HX).content.decode()
    response = outsider.get(earlier, **HX)
    assert response.status_code == 404
    assert "plan" not in response.content.decode()
    assert "plan 2" in signed_in(user).get(earlier, **HX).content.decode()  # the owner's own


def test_a_hook_declaring_the_token_gets_it(shared, no_hook):
    tokens = []

    @cl.on_shared_thread_view
    def check(thread, viewer, share_token):
        tokens.append(share_token)
        return True

    assert signed_in(make_user()).get(link(shared)).status_code == 200
    assert tokens == [shared.share_token]


@pytest.mark.parametrize("answer", [None, "yes", 1])
def test_only_true_lets_a_viewer_in(shared, no_hook, answer):
    cl.on_shared_thread_view(lambda thread, viewer: answer)
    assert signed_in(make_user()).get(link(shared)).status_code == 404


def test_an_error_in_the_hook_refuses_and_is_logged(shared, no_hook, caplog):
    @cl.on_shared_thread_view
    def broken(thread, viewer):
        raise RuntimeError("directory unreachable")

    with caplog.at_level(logging.ERROR, logger="chat.engine.sharing"):
        assert signed_in(make_user()).get(link(shared)).status_code == 404
    assert "directory unreachable" in caplog.text


def test_without_a_hook_anyone_signed_in_opens_the_link(shared, no_hook):
    assert signed_in(make_user()).get(link(shared)).status_code == 200


# -- CHAT_SHARING ----------------------------------------------------------------------------
@override_settings(CHAT_SHARING=False)
def test_with_sharing_off_links_given_out_answer_404(user, shared, no_hook):
    assert signed_in(make_user()).get(link(shared)).status_code == 404
    assert signed_in(user).get(link(shared)).status_code == 404


@override_settings(CHAT_SHARING=False)
def test_with_sharing_off_there_is_no_share_item_and_no_way_to_share(user, no_hook):
    thread = make_thread(user, title="Private")
    item = sidebar.thread_item(thread, None)
    assert "Rename" in item
    assert "share/" not in item
    owner = signed_in(user)
    assert owner.get(reverse("chat:share", args=[thread.id]), **HX).status_code == 404
    assert owner.post(reverse("chat:share", args=[thread.id]), **HX).status_code == 404
    thread.refresh_from_db()
    assert thread.share_token is None


def test_with_sharing_on_the_share_item_is_there(user):
    thread = make_thread(user)
    assert f'hx-get="/threads/{thread.id}/share/"' in sidebar.thread_item(thread, None)

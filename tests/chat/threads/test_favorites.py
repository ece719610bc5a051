"""Favorites: a person stars their own messages; the words are kept once, per person, and
offered again in the composer."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from chat.models import Favorite, Message
from chat.threads import favorites
from tests.factories import make_thread

pytestmark = pytest.mark.django_db


def said(thread, content: str, author=Message.Author.USER) -> Message:
    thread.last_order += 1
    thread.save(update_fields=["last_order"])
    return Message.objects.create(
        thread=thread, order=thread.last_order, author_kind=author, content=content
    )


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def star(client: Client, message: Message, starred: str = "1"):
    return client.post(reverse("chat:favorite", args=[message.pk]), {"starred": starred})


def test_a_starred_message_is_a_favorite_once_and_shown_in_the_composer(user, thread):
    client = signed_in(user)
    first = said(thread, "Summarise this week's tickets by team.")
    again = said(thread, "  Summarise this week's tickets by team.\n")

    response = star(client, first)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'aria-pressed="true"' in html
    assert 'id="favorites"' in html
    assert 'hx-swap-oob="outerHTML"' in html
    assert 'data-favorite="Summarise this week&#x27;s tickets by team."' in html
    star(client, again)
    assert [f.content for f in Favorite.objects.all()] == ["Summarise this week's tickets by team."]

    page = client.get(reverse("chat:thread", args=[thread.pk])).content.decode()
    assert page.count('data-favorite="Summarise') == 1
    # Both messages with those words show their star pressed.
    assert page.count('name="starred" value="0" aria-pressed="true"') == 2
    assert "1 favorite<" in page


def test_unstarring_or_removing_from_the_menu_takes_it_out(user, thread):
    client = signed_in(user)
    message = said(thread, "Draft a polite reminder.")
    star(client, message)
    response = star(client, message, "0")
    assert 'aria-pressed="false"' in response.content.decode()
    assert not Favorite.objects.exists()

    star(client, message)
    favorite = Favorite.objects.get()
    response = client.post(reverse("chat:favorite_remove", args=[favorite.pk]))
    assert response.status_code == 200
    assert not Favorite.objects.exists()
    assert client.post(reverse("chat:favorite_remove", args=[favorite.pk])).status_code == 404


def test_only_ones_own_messages_can_be_starred(user, other_user, thread):
    answer = said(thread, "Here is the summary.", Message.Author.ASSISTANT)
    assert star(signed_in(user), answer).status_code == 404
    mine = said(thread, "Mine")
    assert star(signed_in(other_user), mine).status_code == 404
    assert star(signed_in(user), Message(pk="not-a-uuid")).status_code == 404
    assert not Favorite.objects.exists()


def test_favorites_are_kept_per_person(user, other_user, thread):
    star(signed_in(user), said(thread, "Mine only"))
    other_thread = make_thread(other_user)
    page = signed_in(other_user).get(reverse("chat:thread", args=[other_thread.pk]))
    assert "Mine only" not in page.content.decode()
    own = signed_in(other_user).post(
        reverse("chat:favorite_remove", args=[Favorite.objects.get().pk])
    )
    assert own.status_code == 404
    assert Favorite.objects.count() == 1


def test_a_full_list_refuses_another_with_a_clear_error_and_keeps_all(user, thread, settings):
    settings.CHAT_FAVORITES_MAX = 2
    client = signed_in(user)
    for words in ("one", "two"):
        star(client, said(thread, words))
    response = star(client, said(thread, "three"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "You have the most favorites there can be (2): remove one first." in html
    assert 'aria-pressed="false"' in html
    assert sorted(Favorite.objects.values_list("content", flat=True)) == ["one", "two"]


def test_an_empty_message_cannot_be_a_favorite(user, thread):
    with pytest.raises(favorites.FavoriteRefused):
        favorites.star(user, said(thread, "   ").pk, True)

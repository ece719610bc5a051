"""Thread tags: kept in one shape, shown in the sidebar, found by `tag:` in its search."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from chat.models import Thread
from chat.threads import history, tags
from tests.factories import make_message, make_thread


def test_tags_are_trimmed_kept_once_and_checked():
    assert tags.clean([" billing ", "urgent", "billing", "two  words"]) == [
        "billing",
        "urgent",
        "two words",
    ]
    assert tags.as_text(["a", "b"]) == "\na\nb\n"
    assert tags.as_text([]) == ""


@pytest.mark.parametrize(
    "wrong", ["billing", [1], [""], ["x" * 51], [f"t{n}" for n in range(21)], None]
)
def test_wrong_tags_are_the_developers_mistake(wrong):
    with pytest.raises(ValueError):  # noqa: PT011 - the message says what is wrong
        tags.clean(wrong)


def test_a_search_splits_tag_terms_from_words():
    assert tags.split_query("tag:billing refund tag:Urgent") == (["billing", "Urgent"], "refund")
    assert tags.split_query("tag: alone") == ([], "tag: alone")


@pytest.mark.django_db
def test_the_sidebar_search_finds_threads_by_tag_alone_or_with_words(user):
    refund = make_thread(user, title="Refund for order 12")
    refund.tags = tags.as_text(["billing", "urgent"])
    refund.save()
    invoice = make_thread(user, title="Invoice copy")
    invoice.tags = tags.as_text(["billing"])
    invoice.save()
    make_thread(user, title="Refund of a ticket")  # no tag
    make_message(invoice, "where is my invoice")

    def found(query: str) -> set[str]:
        return {t.title for t in history.list_threads(user, query=query).threads}

    assert found("tag:billing") == {"Refund for order 12", "Invoice copy"}
    assert found("tag:URGENT") == {"Refund for order 12"}
    assert found("tag:billing refund") == {"Refund for order 12"}
    assert found("tag:bill") == set()  # a whole tag, not part of one
    assert found("refund") == {"Refund for order 12", "Refund of a ticket"}


@pytest.mark.django_db
def test_the_sidebar_shows_a_threads_tags(user):
    thread = make_thread(user, title="Refund for order 12")
    thread.tags = tags.as_text(["billing"])
    thread.save()
    client = Client()
    client.force_login(user)
    html = client.get(reverse("chat:thread", args=[thread.pk])).content.decode()
    assert '<span class="visually-hidden">Tags: </span><span class="tag">billing</span>' in html
    assert Thread.objects.get(pk=thread.pk).tag_list == ["billing"]

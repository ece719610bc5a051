"""The sidebar after a message: a new thread titled and put on top, a thread moved up."""

from __future__ import annotations

from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from chat.models import Thread
from chat.threads import history
from tests.factories import make_message, make_thread


@pytest.mark.django_db(transaction=True)
async def test_a_new_thread_goes_on_top_of_todays_list_without_the_list_again(user):
    earlier = await sync_to_async(make_thread)(user, title="Earlier today")
    thread = await sync_to_async(make_thread)(user)
    await sync_to_async(make_message)(thread, "What is VAT?")  # its activity: now

    html = await history.listing_after_message(user, thread.id, "What is VAT?", moves_up=True)

    assert (await Thread.objects.aget(pk=thread.pk)).title == "What is VAT?"
    assert html.startswith('<ul hx-swap-oob="afterbegin:#thread-group-today">')
    assert f'id="t-{thread.id}"' in html
    assert 'aria-current="page">What is VAT?</a>' in html
    assert earlier.title not in html
    assert 'id="thread-list"' not in html
    assert "What is VAT?</h1>" in html


@pytest.mark.django_db(transaction=True)
async def test_the_users_only_thread_comes_as_the_whole_list(user):
    thread = await sync_to_async(make_thread)(user)
    html = await history.listing_after_message(user, thread.id, "First words", moves_up=True)
    assert '<nav id="thread-list"' in html
    assert 'id="thread-group-today"' in html
    assert "First words</a>" in html


@pytest.mark.django_db(transaction=True)
async def test_a_new_thread_after_days_away_gets_the_whole_list_with_a_today_heading(user):
    await sync_to_async(make_thread)(
        user, title="Last week", updated_at=timezone.now() - timedelta(days=6)
    )
    thread = await sync_to_async(make_thread)(user)
    await sync_to_async(make_message)(thread, "Back again")
    html = await history.listing_after_message(user, thread.id, "Back again", moves_up=True)
    assert '<nav id="thread-list"' in html
    assert html.index("Today") < html.index("Back again") < html.index("Last week")


@pytest.mark.django_db(transaction=True)
async def test_a_titled_thread_keeps_its_title_and_moves_up_only_when_asked(user):
    thread = await sync_to_async(make_thread)(user, title="Named by hand")
    assert await history.listing_after_message(user, thread.id, "", moves_up=False) == ""
    moved = await history.listing_after_message(user, thread.id, "", moves_up=True)
    assert "Named by hand</h1>" in moved
    assert (await Thread.objects.aget(pk=thread.pk)).title == "Named by hand"

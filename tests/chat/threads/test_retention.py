"""Retention (`purge_threads`) and the large-history seed (`seed_chat`)."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.utils import timezone

from chat.models import Element, Feedback, Message, Step, Thread
from chat.threads import retention
from tests.factories import make_message, make_thread

pytestmark = pytest.mark.django_db


def aged(owner, days: float, *, with_file: bool = False) -> Thread:
    thread = make_thread(owner, title=f"{days} days old")
    answer = make_message(thread, "answer", author_kind=Message.Author.ASSISTANT)
    Feedback.objects.create(message=answer, user=owner, value=1)
    if with_file:
        element = Element(thread=thread, message=answer, kind="file", name="f.txt")
        element.file.save("f.txt", ContentFile(b"x"), save=True)
    Thread.objects.filter(pk=thread.pk).update(updated_at=timezone.now() - timedelta(days=days))
    return thread


def purge(*args: str) -> str:
    out = StringIO()
    call_command("purge_threads", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_threads_inactive_for_longer_than_the_period_go_with_their_files(
    user, media, django_capture_on_commit_callbacks
):
    old = aged(user, 40, with_file=True)
    recent = aged(user, 10, with_file=True)
    old_file = media / Element.objects.get(thread=old).file.name
    recent_file = media / Element.objects.get(thread=recent).file.name
    with django_capture_on_commit_callbacks(execute=True):
        output = purge("--days", "30")
    assert "Deleted 1 thread and 1 file" in output
    assert list(Thread.objects.all()) == [recent]
    assert not Message.objects.filter(thread_id=old.pk).exists()
    assert Feedback.objects.count() == 1
    assert not old_file.exists()
    assert recent_file.exists()


def test_last_activity_counts_not_creation(user):
    thread = aged(user, 1)
    Thread.objects.filter(pk=thread.pk).update(created_at=timezone.now() - timedelta(days=400))
    purge("--days", "30")
    assert Thread.objects.filter(pk=thread.pk).exists()


def test_a_dry_run_counts_and_deletes_nothing(user, media):
    aged(user, 40, with_file=True)
    aged(user, 50)
    output = purge("--days", "30", "--dry-run")
    assert "Would delete 2 threads and 1 file" in output
    assert Thread.objects.count() == 2


def test_running_again_does_nothing_more(user, media):
    aged(user, 40)
    aged(user, 5)
    purge("--days", "30")
    assert "Deleted 0 threads" in purge("--days", "30")
    assert Thread.objects.count() == 1


def test_it_works_through_batches(user):
    for n in range(7):
        aged(user, 40 + n)
    assert "Deleted 7 threads" in purge("--days", "30", "--batch-size", "2")
    assert not Thread.objects.exists()


def test_the_period_comes_from_the_setting_by_default(user, settings):
    aged(user, 40)
    settings.CHAT_RETENTION_DAYS = 0
    assert "every thread is kept" in purge()
    assert Thread.objects.count() == 1
    settings.CHAT_RETENTION_DAYS = 30
    assert "Deleted 1 thread " in purge()
    assert not Thread.objects.exists()


def test_nonsense_periods_are_refused():
    with pytest.raises(CommandError):
        purge("--days", "0")
    with pytest.raises(CommandError):
        purge("--days", "5", "--batch-size", "0")


def test_a_thread_active_since_it_was_picked_is_kept(user):
    thread = aged(user, 40)
    cutoff = timezone.now() - timedelta(days=30)
    Thread.objects.filter(pk=thread.pk).update(updated_at=timezone.now())
    assert retention.remove_threads([thread.pk], older_than=cutoff) == 0
    assert Thread.objects.filter(pk=thread.pk).exists()


# -- seed_chat --------------------------------------------------------------------------------
def test_the_seed_makes_the_threads_and_messages_asked_for():
    out = StringIO()
    call_command(
        "seed_chat",
        "--threads",
        "30",
        "--messages",
        "400",
        "--users",
        "4",
        "--long-thread",
        "40",
        "--feedback-rate",
        "0.5",
        stdout=out,
    )
    assert Thread.objects.count() == 30
    assert Message.objects.count() == 400
    assert Feedback.objects.exists()
    assert Step.objects.exists()
    # Each thread is whole: a title, positions in order, last activity at its last message.
    for thread in Thread.objects.all():
        orders = sorted(
            list(thread.messages.values_list("order", flat=True))
            + list(thread.steps.values_list("order", flat=True))
        )
        assert orders == list(range(1, thread.last_order + 1))
        assert thread.title
        assert thread.metadata["started"] is True
        last = thread.messages.order_by("-order").first()
        assert thread.updated_at == last.created_at
    heavy = Thread.objects.filter(owner__email="seed-0000@example.com")
    assert heavy.order_by("-last_order").first().messages.count() == 40

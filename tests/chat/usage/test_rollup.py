"""The dashboard's daily rows: rebuilt from a day's calls, messages and ratings; today's
again once they are older than CHAT_USAGE_ROLLUP_SECONDS; a finished day once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from chat.models import Feedback, Message, ModelCall, UsageDay, UsageRollup
from chat.usage import rollup
from tests.factories import make_message, make_thread

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)


def test_a_days_rows_hold_its_calls_questions_conversations_ratings_and_errors(user):
    thread = make_thread(user, chat_profile="Research")
    question = make_message(thread, "what is new")
    answer = make_message(thread, "this", author_kind=Message.Author.ASSISTANT)
    Message.objects.filter(pk__in=[question.pk, answer.pk]).update(created_at=NOON)
    Feedback.objects.create(message=answer, user=user, value=-1, created_at=NOON)
    for cost in (Decimal("0.01"), Decimal("0.02"), None):
        ModelCall.objects.create(
            user=user,
            thread=thread,
            chat_profile="Research",
            model="gpt-4o",
            input_tokens=100,
            output_tokens=10,
            cost=cost,
            created_at=NOON,
        )
    ModelCall.objects.create(user=user, model="gpt-4o", is_error=True, created_at=NOON)
    # The next day's call is not this day's.
    ModelCall.objects.create(
        user=user, model="gpt-4o", input_tokens=5, created_at=NOON + timedelta(days=1)
    )

    assert rollup.rebuild(NOON.date()) == 3
    calls = UsageDay.objects.get(day=NOON.date(), chat_profile="Research", model="gpt-4o")
    assert (calls.calls, calls.input_tokens, calls.output_tokens) == (3, 300, 30)
    assert (calls.cost, calls.unpriced_calls) == (Decimal("0.03"), 1)
    talk = UsageDay.objects.get(day=NOON.date(), model="")
    assert (talk.messages, talk.conversations, talk.rated_bad, talk.rated_good) == (1, 1, 1, 0)
    failed = UsageDay.objects.get(day=NOON.date(), chat_profile="", model="gpt-4o")
    assert failed.errors == 1
    # Rebuilding gives the same rows, not more.
    assert rollup.rebuild(NOON.date()) == 3


def test_today_is_rebuilt_when_its_rows_are_old_and_a_finished_day_only_once(
    settings, monkeypatch, user
):
    settings.CHAT_USAGE_ROLLUP_SECONDS = 300
    now = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
    monkeypatch.setattr(timezone, "now", lambda: now)
    yesterday, today = date(2026, 5, 3), date(2026, 5, 4)
    assert rollup.stale_days(yesterday, today) == [yesterday, today]
    rollup.bring_up_to_date(yesterday, today)
    assert rollup.stale_days(yesterday, today) == []
    now += timedelta(seconds=301)
    assert rollup.stale_days(yesterday, today) == [today]
    assert UsageRollup.objects.count() == 2


def test_the_command_rebuilds_the_last_days(user):
    from io import StringIO

    from django.core.management import call_command

    ModelCall.objects.create(user=user, model="gpt-4o", input_tokens=9)
    out = StringIO()
    call_command("rollup_usage", "--days", "2", stdout=out)
    assert f"{timezone.localdate()}: 1 rows" in out.getvalue()
    assert UsageDay.objects.get().input_tokens == 9

"""Every model call's usage, stored as a row and added to its person's counters.

The counters are added to with UPDATE ... SET tokens = tokens + n, which the database
applies one after another however many processes write at once: no update is lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from chat.models import ModelCall, Quota, Thread, UsageCounter
from chat.usage.prices import cost_of


@dataclass
class AnswerUsage:
    """What one answer (one run of the assistant for a question) has used so far."""

    reservation_id: Any = None
    tokens: int = 0
    cost: Decimal = field(default_factory=Decimal)


def period_start(period: str, day: date) -> date:
    return day if period == Quota.Period.DAY else day.replace(day=1)


def counter(user_id: Any, period: str, day: date | None = None) -> UsageCounter:
    """The person's counter for the period holding `day` (today), made on first use."""
    start = period_start(period, day or timezone.localdate())
    try:
        row, _created = UsageCounter.objects.get_or_create(
            user_id=user_id, period=period, start=start
        )
    except IntegrityError:
        # Made by another process between our look and our insert.
        row = UsageCounter.objects.get(user_id=user_id, period=period, start=start)
    return row


def _count(value: Any) -> int:
    return value if isinstance(value, int) and value > 0 else 0


def record(
    *,
    user_id: Any,
    thread_id: Any,
    chat_profile: str,
    generation: dict[str, Any],
    is_error: bool = False,
    answer: AnswerUsage | None = None,
) -> ModelCall:
    """Stores one call from its `llm` step's generation and counts it for its person."""
    input_tokens = _count(generation.get("input_tokens"))
    output_tokens = _count(generation.get("output_tokens"))
    if not input_tokens and not output_tokens:
        # A client that only gave the total: counted as input, so that it is counted at all.
        input_tokens = _count(generation.get("total_tokens"))
    cached_tokens = min(_count(generation.get("cached_tokens")), input_tokens)
    model = str(generation.get("model") or "")
    cost = cost_of(model, input_tokens, output_tokens, cached_tokens) if model else None
    tokens = input_tokens + output_tokens
    with transaction.atomic():
        call = ModelCall.objects.create(
            user_id=user_id,
            thread_id=thread_id,
            chat_profile=chat_profile or "",
            provider=str(generation.get("provider") or "")[:50],
            model=model[:200],
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            cached_tokens=cached_tokens,
            cost=cost,
            is_error=is_error or bool(generation.get("error")),
        )
        if tokens and thread_id is not None:
            Thread.objects.filter(pk=thread_id).update(total_tokens=F("total_tokens") + tokens)
        if user_id is not None and (tokens or cost):
            for period in (Quota.Period.DAY, Quota.Period.MONTH):
                UsageCounter.objects.filter(pk=counter(user_id, period).pk).update(
                    tokens=F("tokens") + tokens, cost=F("cost") + (cost or 0)
                )
    if answer is not None:
        answer.tokens += tokens
        answer.cost += cost or 0
    return call

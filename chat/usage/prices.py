"""What a model call cost, from CHAT_MODEL_PRICES (per million tokens)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings

MILLION = 1_000_000


def price_of(model: str) -> dict[str, Decimal] | None:
    """The model's prices per million tokens, or None when it has none.

    A provider often answers with a dated name ("gpt-4o-mini-2024-07-18") for the one asked
    for: the longest listed name the model starts with is its price.
    """
    prices = settings.CHAT_MODEL_PRICES
    entry = prices.get(model)
    if entry is None:
        matches = [name for name in prices if model.startswith(name)]
        if not matches:
            return None
        entry = prices[max(matches, key=len)]
    input_price = Decimal(str(entry["input"]))
    return {
        "input": input_price,
        "output": Decimal(str(entry["output"])),
        "cached_input": Decimal(str(entry.get("cached_input", entry["input"]))),
    }


def cost_of(
    model: str, input_tokens: int, output_tokens: int, cached_tokens: int = 0
) -> Decimal | None:
    """The call's cost in CHAT_COST_CURRENCY; None for a model with no price (unknown)."""
    price = price_of(model)
    if price is None:
        return None
    cached = min(cached_tokens, input_tokens)
    total = (
        (input_tokens - cached) * price["input"]
        + cached * price["cached_input"]
        + output_tokens * price["output"]
    ) / MILLION
    return total.quantize(Decimal("0.000001"))

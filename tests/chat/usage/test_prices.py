"""CHAT_MODEL_PRICES: a call's cost from its tokens; a model with no price costs "unknown"."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured

from chat.usage.prices import cost_of
from chatproject.settings import _model_prices

PRICES = {
    "gpt-4o-mini": {"input": 0.15, "output": 0.6, "cached_input": 0.075},
    "gpt-4o": {"input": 2.5, "output": 10},
}


@pytest.fixture(autouse=True)
def prices(settings):
    settings.CHAT_MODEL_PRICES = PRICES


def test_cost_is_tokens_times_the_price_per_million():
    # 1M in at 2.50 and 100k out at 10.00.
    assert cost_of("gpt-4o", 1_000_000, 100_000) == Decimal("3.500000")


def test_cached_input_is_charged_at_its_own_price():
    # 600k fresh at 0.15, 400k cached at 0.075, 0 out.
    assert cost_of("gpt-4o-mini", 1_000_000, 0, cached_tokens=400_000) == Decimal("0.120000")


def test_without_a_cached_price_cached_input_costs_as_input():
    assert cost_of("gpt-4o", 1_000, 0, cached_tokens=1_000) == cost_of("gpt-4o", 1_000, 0)


def test_a_dated_model_name_takes_the_price_of_the_longest_listed_name_it_starts_with():
    assert cost_of("gpt-4o-mini-2024-07-18", 1_000_000, 0) == Decimal("0.150000")
    assert cost_of("gpt-4o-2024-08-06", 1_000_000, 0) == Decimal("2.500000")


def test_a_model_without_a_price_has_an_unknown_cost_not_a_zero_one():
    assert cost_of("llama-3-70b", 1_000, 1_000) is None


def test_a_price_table_without_output_prices_is_refused_at_start():
    with pytest.raises(ImproperlyConfigured, match="input"):
        _model_prices('{"gpt-4o": {"input": 2.5}}')
    with pytest.raises(ImproperlyConfigured, match="JSON"):
        _model_prices("gpt-4o=2.5")
    assert _model_prices("") == {}

"""Fixtures of the platform tests: the test assistant, and headless sessions closed after."""

from __future__ import annotations

import pytest

from chat.platforms import headless


@pytest.fixture
async def conversations(background, use_assistant):
    """The platform test assistant; every headless session is closed after the test."""
    use_assistant("platforms")
    yield
    await headless.conversations().close_all()

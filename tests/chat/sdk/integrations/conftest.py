"""A chat session with an assistant that calls LLM libraries, and the steps it leaves."""

from __future__ import annotations

import pytest

from chat.models import Step
from tests.drivers import wait_for


@pytest.fixture
def llm_url(fake_llm, monkeypatch):
    monkeypatch.setenv("FAKE_LLM_URL", fake_llm.url)
    return fake_llm


async def finished_steps(thread, count: int, within: float = 10.0) -> list[Step]:
    """The thread's steps once `count` of them have ended (writes may trail the hook)."""
    rows = Step.objects.filter(thread_id=thread.pk)

    async def ended() -> bool:
        return await rows.filter(ended_at__isnull=False).acount() >= count

    await wait_for(ended, within=within, what=f"{count} finished step(s)")
    return [s async for s in rows.order_by("order")]

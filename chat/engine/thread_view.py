"""`cl.context.session.thread`: the conversation a session runs in, as its code sees it.

Its `tags` label the conversation in the sidebar and the admin (Chainlit's thread tags);
setting them saves them, in the order they were set.
"""

from __future__ import annotations

import asyncio
from typing import Any

from chat.engine.background import spawn
from chat.models import Thread
from chat.rendering import sidebar
from chat.threads import tags as thread_tags


class ThreadView:
    def __init__(self, session: Any) -> None:
        self._session = session

    @property
    def id(self) -> str:
        return str(self._session.thread_id)

    @property
    def tags(self) -> list[str]:
        return list(self._session.thread_tags or [])

    @tags.setter
    def tags(self, value: list[str]) -> None:
        cleaned = thread_tags.clean(value)
        self._session.thread_tags = cleaned
        previous = getattr(self._session, "_tags_saving", None)

        async def write() -> None:
            if previous is not None:
                await asyncio.gather(previous, return_exceptions=True)
            await save(self._session, cleaned)

        self._session._tags_saving = spawn(write(), name=f"tags-{self._session.thread_id}")

    async def set_tags(self, value: list[str]) -> None:
        """The same as setting `tags`, awaited."""
        self.tags = value
        await self._session._tags_saving


async def save(session: Any, tags: list[str]) -> None:
    """Stores the tags, and redraws the conversation in the sidebars that list it."""
    await thread_tags.save(session.thread_id, tags)
    thread = await Thread.objects.filter(pk=session.thread_id).exclude(title="").afirst()
    if thread is not None:
        await session.emitter.push(sidebar.thread_item(thread, str(thread.pk), oob=True))

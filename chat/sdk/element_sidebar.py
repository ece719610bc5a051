"""`cl.ElementSidebar`: the side panel opened and filled from code, without a message."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from chat.engine import elements as engine
from chat.engine.context import require_session


class ElementSidebar:
    """Opens the side panel on the user's page, as Chainlit's.

    Example:
        await cl.ElementSidebar.set_title("Sources")
        await cl.ElementSidebar.set_elements([cl.Text(name="Handbook", content="...")])
        await cl.ElementSidebar.set_elements([])  # closes it
    """

    @staticmethod
    async def set_title(title: str) -> None:
        """Names the panel, and opens it."""
        session = require_session()
        session.sidebar = {**_state(session), "title": str(title)}
        await _show(session)

    @staticmethod
    async def set_elements(elements: list[Any], key: str | None = None) -> None:
        """Shows these elements in the panel; an empty list closes it. `key` (Chainlit's
        way to keep the panel's state across updates) is accepted and not needed here."""
        session = require_session()
        state = _state(session)
        session.sidebar = {
            "title": state["title"] if elements else "",
            "sources": [_in_sidebar(e) for e in elements],
        }
        await _show(session)


def _in_sidebar(element: Any) -> Any:
    """The element as the panel's own copy: the one under a message stays there, and
    setting the same element again updates the panel's copy rather than adding one."""
    copy_id = uuid.uuid5(uuid.NAMESPACE_URL, f"sidebar:{element.id}")
    return replace(element._source(), id=str(copy_id), for_id=None, updatable=True)


def _state(session: Any) -> dict[str, Any]:
    return getattr(session, "sidebar", None) or {"title": "", "sources": []}


async def _show(session: Any) -> None:
    state = _state(session)
    title, sources = state["title"], state["sources"]
    await engine.show_in_sidebar(session.emitter, title, sources if (title or sources) else [])

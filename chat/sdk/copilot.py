"""The copilot widget, as in Chainlit: call a function of the page that embeds the
assistant, and exchange messages with that page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from chat.engine import copilot as window
from chat.engine.context import require_session
from chat.engine.registry import hooks

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class CopilotFunction:
    """A function of the host page, called from the assistant.

    Example:
        if cl.context.session.client_type == "copilot":
            fn = cl.CopilotFunction(name="get_selection", args={"max": 200})
            selection = await fn.acall()
    """

    name: str
    args: dict[str, Any] = field(default_factory=dict)
    timeout: float = 60.0

    async def acall(self) -> Any:
        """The host page's result, or None if it gives none within `timeout` seconds."""
        return await window.call_function(require_session(), self.name, self.args, self.timeout)


async def send_window_message(data: Any) -> None:
    """Posts `data` (JSON) to the page that embeds the assistant.

    Example:
        await cl.send_window_message({"highlight": "#pricing"})
    """
    await window.send_window_message(require_session(), data)


def on_window_message(func: F) -> F:
    """Runs when the page that embeds the assistant posts it a message.

    Example:
        @cl.on_window_message
        async def from_page(data):
            await cl.Message(content=f"The page says {data}").send()
    """
    hooks.on_window_message = func
    return func

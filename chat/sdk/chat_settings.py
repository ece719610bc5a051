"""`cl.ChatSettings`: the settings panel of a chat, as in Chainlit."""

from __future__ import annotations

from typing import Any

from chat.engine.context import require_session
from chat.sdk.input_widget import InputWidget


class ChatSettings:
    """Settings the user can change from the chat's header.

    `send()` draws the panel and returns the current values ({id: value}); each change the
    user saves reaches `@cl.on_settings_update`, checked against the widgets first.

    Example:
        settings = await cl.ChatSettings([
            Switch(id="streaming", label="Stream the answer", initial=True),
        ]).send()
    """

    def __init__(self, inputs: list[InputWidget]) -> None:
        self.inputs = inputs

    def settings(self) -> dict[str, Any]:
        """The widgets' initial values."""
        return {widget.id: widget.initial for widget in self.inputs}

    async def send(self) -> dict[str, Any]:
        return await require_session().publish_settings([w.to_dict() for w in self.inputs])

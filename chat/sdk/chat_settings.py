"""`cl.ChatSettings`: the settings panel of a chat, as in Chainlit."""

from __future__ import annotations

from typing import Any

from chat.engine.context import require_session
from chat.sdk.input_widget import InputWidget, Tab


class ChatSettings:
    """Settings the user can change from the chat's header.

    `send()` draws the panel and returns the current values ({id: value}); each change the
    user saves reaches `@cl.on_settings_update`, checked against the widgets first. Widgets
    may be grouped in `Tab`s, each a tab of the panel.

    Example:
        settings = await cl.ChatSettings([
            Switch(id="streaming", label="Stream the answer", initial=True),
        ]).send()
    """

    def __init__(self, inputs: list[InputWidget | Tab]) -> None:
        self.inputs = inputs

    def _widgets(self) -> list[InputWidget]:
        widgets: list[InputWidget] = []
        for item in self.inputs:
            widgets.extend(item.inputs if isinstance(item, Tab) else [item])
        return widgets

    def _dicts(self) -> list[dict[str, Any]]:
        dicts: list[dict[str, Any]] = []
        for item in self.inputs:
            if isinstance(item, Tab):
                tab = {"id": item.id, "label": item.label}
                dicts.extend({**w.to_dict(), "tab": tab} for w in item.inputs)
            else:
                dicts.append(item.to_dict())
        return dicts

    def settings(self) -> dict[str, Any]:
        """The widgets' initial values."""
        return {widget.id: widget.to_dict()["initial"] for widget in self._widgets()}

    async def send(self) -> dict[str, Any]:
        return await require_session().publish_settings(self._dicts())

    async def refresh(self) -> dict[str, Any]:
        """Redraws the panel with these widgets, leaving the values in force as they are."""
        return await require_session().publish_settings(self._dicts(), commit=False)

"""`cl.Action`: a button under a message that runs an `@cl.action_callback`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from chat.engine import actions
from chat.engine.context import require_session


@dataclass
class Action:
    name: str
    payload: dict[str, Any] = field(default_factory=dict)
    label: str = ""
    tooltip: str = ""
    icon: str | None = None
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    forId: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "payload": self.payload,
            "label": self.label,
            "tooltip": self.tooltip,
            "icon": self.icon,
            "forId": self.forId,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Action:
        return cls(
            name=data["name"],
            payload=data.get("payload") or {},
            label=data.get("label") or "",
            tooltip=data.get("tooltip") or "",
            icon=data.get("icon"),
            id=data["id"],
            forId=data.get("forId"),
        )

    async def send(self, for_id: str) -> Action:
        """Adds this button under the message `for_id`."""
        self.forId = for_id
        await actions.add(require_session().emitter, for_id, [self.to_dict()])
        return self

    async def remove(self) -> None:
        """Takes the button away; a click on it afterwards gets a clear error."""
        if self.forId:
            await actions.remove(require_session().emitter, self.forId, self.id)

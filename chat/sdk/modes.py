"""`cl.Mode` and `cl.ModeOption`: pickers in the composer, as in Chainlit.

Example:
    await cl.context.emitter.set_modes([
        cl.Mode(id="model", name="Model", options=[
            cl.ModeOption(id="fast", name="Fast", default=True),
            cl.ModeOption(id="deep", name="Deep", description="Slower, more thorough"),
        ]),
    ])

    @cl.on_message
    async def main(message: cl.Message):
        model = (message.modes or {}).get("model")
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class ModeOption:
    """One option of a picker; `icon` is an image URL or path, or a short emoji."""

    id: str
    name: str
    description: str | None = None
    icon: str | None = None
    default: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Mode:
    """A picker in the composer; the user chooses exactly one of its options."""

    id: str
    name: str
    options: list[ModeOption] = field(default_factory=list)

    def get_default_option(self) -> ModeOption | None:
        """The option marked default, or the first one."""
        first = self.options[0] if self.options else None
        return next((o for o in self.options if o.default), first)

    def get_option_by_id(self, option_id: str) -> ModeOption | None:
        return next((o for o in self.options if o.id == option_id), None)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "options": [o.to_dict() for o in self.options]}

"""`local_steps` of `chainlit.context`: the steps open around the running code, outermost
first, as Chainlit keeps them. Apps read it to find the step they run inside
(`local_steps.get()[-1]`).

Here the innermost step is the context's current one and each step knows the one it
opened in, so the list is rebuilt on each read rather than kept twice.
"""

from __future__ import annotations

from contextvars import Token
from typing import Any

from chat.engine.context import current_step


class LocalSteps:
    """Reads like Chainlit's `ContextVar[list[Step] | None]`."""

    name = "local_steps"

    def get(self, default: Any = None) -> list[Any] | None:
        steps: list[Any] = []
        step = current_step.get()
        while step is not None:
            steps.append(step)
            step = getattr(step, "_parent_step", None)
        return list(reversed(steps)) if steps else default

    def set(self, steps: list[Any] | None) -> Token[Any]:
        """Makes the last of `steps` the current step (None or []: no step)."""
        return current_step.set(steps[-1] if steps else None)

    def reset(self, token: Token[Any]) -> None:
        current_step.reset(token)


local_steps = LocalSteps()

"""`@cl.on_feedback` and `cl.types.Feedback`, as in Chainlit: the app sees every rating
and comment once it is stored (to forward it to an evaluation tool, say).

Chainlit's values: 1 is a thumbs up, 0 a thumbs down. The hook runs in the background
with the rated thread as its context (it may send into it, as a job does); an error in it
is logged and the rating stays.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from chat.engine.registry import hooks, start_hook

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Feedback:
    forId: str
    value: Literal[0, 1]
    threadId: str | None = None
    id: str | None = None
    comment: str | None = None

    @classmethod
    def from_dict(cls, stored: dict[str, Any]) -> Feedback:
        return cls(
            forId=stored["forId"],
            value=1 if stored["value"] > 0 else 0,
            threadId=stored.get("threadId"),
            id=stored.get("id"),
            comment=stored.get("comment"),
        )


def on_feedback(func: F) -> F:
    """Runs after each rating (thumbs and comment) is stored.

    Example:
        @cl.on_feedback
        async def forward(feedback: cl.types.Feedback):
            await evaluations.log(feedback.forId, score=feedback.value, note=feedback.comment)
    """

    def with_feedback(stored: dict[str, Any]) -> Any:
        return start_hook(func, Feedback.from_dict(stored))

    hooks.on_feedback = with_feedback
    return func

"""The copilot widget's two-way line to its host page (Chainlit's `send_window_message`,
`on_window_message` and `CopilotFunction`).

Out: a fragment pushed to the thread's group; the copilot page posts it to the host page
with postMessage (to the host's origin only). In: the host page posts to the copilot
page, which sends a frame on its socket. A function call waits for its result the way a
question waits for its answer: a future of the session, resolved through the thread's
control group, whichever instance holds the session.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from chat.engine import control, rate_limits
from chat.engine.registry import hooks
from chat.errors import UserFacingError
from chat.rendering import copilot as rendering

if TYPE_CHECKING:
    from chat.engine.session import ChatSession

MAX_DATA_CHARS = 64 * 1024
# Call ids differ from question ids (message UUIDs): a result can never answer a question.
CALL_PREFIX = "copilot-"


class NotInCopilot(RuntimeError):
    """A CopilotFunction called in a session that is not the copilot widget's."""


def _checked(data: Any) -> Any:
    try:
        text = json.dumps(data)
    except (TypeError, ValueError):
        raise ValueError("A window message must be JSON: dicts, lists, text, numbers.") from None
    if len(text) > MAX_DATA_CHARS:
        raise ValueError(f"A window message is at most {MAX_DATA_CHARS} characters of JSON.")
    return data


async def send_window_message(session: ChatSession, data: Any) -> None:
    await session.emitter.push(rendering.window_message(_checked(data)))


async def call_function(
    session: ChatSession, name: str, args: dict[str, Any], wait_seconds: float
) -> Any:
    """Calls `name` in the host page and returns its result; None if none comes in time."""
    if session.client_type != "copilot":
        raise NotInCopilot(
            "CopilotFunction calls a function of the page that embeds the copilot widget; "
            f"this chat runs in {session.client_type!r}."
        )
    call_id = f"{CALL_PREFIX}{uuid.uuid4()}"
    waiting = asyncio.get_running_loop().create_future()
    session.pending_asks[call_id] = waiting
    try:
        await session.emitter.push(rendering.function_call(call_id, name, _checked(args)))
        return await asyncio.wait_for(waiting, wait_seconds)
    except TimeoutError:
        return None
    finally:
        session.pending_asks.pop(call_id, None)


async def deliver_result(session: ChatSession, call_id: str, result: Any) -> None:
    """The host page's result of a call, to whichever instance waits for it."""
    if not call_id.startswith(CALL_PREFIX):
        raise UserFacingError(_("That is not a function call of the assistant."))
    await control.send_answer(session.thread_id, call_id, result)


async def receive_window_message(session: ChatSession, data: Any) -> None:
    """The host page posted a message: @cl.on_window_message runs with it."""
    if hooks.on_window_message is None:
        raise UserFacingError(_("This assistant takes no messages from the page."))
    await rate_limits.check_run_rate(session.user)
    session._spawn_run(session._invoke(hooks.on_window_message, data), "window")

"""`@cl.on_feedback`: the app sees each rating and comment once it is stored, to forward
it to an evaluation tool, as in Chainlit.

The rating is stored first and stays whatever the hook does: the hook runs afterwards,
in the background (a worker with Celery, this process on the embedded default), in its
thread's context, so it may write into the conversation as a job does. Its errors are
logged, never shown as a failed rating.
"""

from __future__ import annotations

import contextvars
import logging
from typing import Any
from uuid import UUID

from asgiref.sync import async_to_sync
from django.db import transaction

from chat.engine import runner
from chat.engine.background import spawn
from chat.engine.context import current_session
from chat.engine.jobs import JobSession
from chat.engine.registry import call_hook, hooks
from chat.models import Feedback

logger = logging.getLogger(__name__)

FEEDBACK_HOOK = "chat.on_feedback"


def after_rating(message_id: UUID | str, user: Any) -> None:
    """Hands the user's stored rating of a message to the app's hook, once the rating's
    transaction commits."""
    if hooks.on_feedback is None:
        return
    feedback_id = (
        Feedback.objects.filter(message_id=message_id, user=user)
        .values_list("pk", flat=True)
        .first()
    )
    if feedback_id is None:
        return
    transaction.on_commit(
        lambda: async_to_sync(runner.submit)(FEEDBACK_HOOK, str(feedback_id)), robust=True
    )


def as_dict(row: Feedback) -> dict[str, Any]:
    """The rating as the public API hands it on (its `cl.types.Feedback` is made from this)."""
    return {
        "id": str(row.pk),
        "forId": str(row.message_id),
        "threadId": str(row.thread_id),
        "value": row.value,
        "comment": row.comment or None,
        "userId": str(row.user_id),
    }


async def run(feedback_id: str) -> None:
    """Runs the hook on a stored rating; one taken back meanwhile is not reported."""
    hook = hooks.on_feedback
    if hook is None:
        return
    row = await Feedback.objects.select_related("thread__owner").filter(pk=feedback_id).afirst()
    if row is None:
        return
    session = JobSession(row.thread)
    context = contextvars.copy_context()
    context.run(current_session.set, session)
    try:
        await spawn(call_hook(hook, as_dict(row)), name=f"on-feedback-{row.pk}", context=context)
        await session.emitter.stored()
    except Exception:
        logger.exception("@cl.on_feedback failed on rating %s (the rating is kept)", row.pk)


runner.register(FEEDBACK_HOOK, run)

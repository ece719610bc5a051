"""`@cl.on_shared_thread_view`: the app decides who, besides the owner, may open a
conversation's shared link, as in Chainlit.

Without the hook a link opens for anyone signed in (chat.permissions). With it, each
viewer other than the owner is let in only when it returns True; an error in it refuses
(and is logged), as Chainlit treats it. The hook sees the thread in Chainlit's ThreadDict
shape with `metadata["is_shared"]` set, the viewer, and the link's token.
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync

from chat.engine.registry import call_hook_sync, hooks
from chat.models import Thread
from chat.threads import store

logger = logging.getLogger(__name__)


def viewer_allowed(viewer: Any, thread: Thread) -> bool:
    hook = hooks.on_shared_thread_view
    if hook is None or thread.owner_id == getattr(viewer, "pk", None):
        return True
    shown = async_to_sync(store.thread_dict)(thread)
    shown["metadata"]["is_shared"] = True
    try:
        allowed = call_hook_sync(hook, shown, viewer, thread.share_token)
    except Exception:
        logger.exception("@cl.on_shared_thread_view failed: the link stays closed to this viewer")
        return False
    return allowed is True

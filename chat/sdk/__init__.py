"""The public API, shaped as Chainlit's: `import chat.sdk as cl`.

A Chainlit app runs on this project after changing `import chainlit as cl` to this.
"""

from __future__ import annotations

import asyncio

from .chat_context import chat_context
from .context import context
from .hooks import on_chat_end, on_chat_resume, on_chat_start, on_message, on_stop
from .message import ErrorMessage, Message
from .step import Step, step
from .types import User
from .user_session import user_session

sleep = asyncio.sleep

__all__ = [
    "ErrorMessage",
    "Message",
    "Step",
    "User",
    "chat_context",
    "context",
    "on_chat_end",
    "on_chat_resume",
    "on_chat_start",
    "on_message",
    "on_stop",
    "sleep",
    "step",
    "user_session",
]

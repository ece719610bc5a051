"""The public API, shaped as Chainlit's: `import chat.sdk as cl`.

A Chainlit app runs on this project after changing `import chainlit as cl` to this.
"""

from __future__ import annotations

import asyncio

from . import rag
from .action import Action
from .ask import AskActionMessage, AskFileMessage, AskUserMessage
from .chat_context import chat_context
from .context import context
from .data_elements import Dataframe, Plotly
from .elements import Audio, Element, File, Image, Pdf, Text, Video
from .hooks import action_callback, on_chat_end, on_chat_resume, on_chat_start, on_message, on_stop
from .jobs import Job, job
from .message import ErrorMessage, Message
from .step import Step, step
from .sync import make_async, run_sync
from .task_list import Task, TaskList, TaskStatus
from .types import AskFileResponse, User
from .user_session import user_session

sleep = asyncio.sleep

__all__ = [
    "Action",
    "AskActionMessage",
    "AskFileMessage",
    "AskFileResponse",
    "AskUserMessage",
    "Audio",
    "Dataframe",
    "Element",
    "ErrorMessage",
    "File",
    "Image",
    "Job",
    "Message",
    "Pdf",
    "Plotly",
    "Step",
    "Task",
    "TaskList",
    "TaskStatus",
    "Text",
    "User",
    "Video",
    "action_callback",
    "chat_context",
    "context",
    "job",
    "make_async",
    "on_chat_end",
    "on_chat_resume",
    "on_chat_start",
    "on_message",
    "on_stop",
    "rag",
    "run_sync",
    "sleep",
    "step",
    "user_session",
]

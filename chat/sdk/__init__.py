"""The public API, shaped as Chainlit's: `import chat.sdk as cl`.

A Chainlit app runs on this project after changing `import chainlit as cl` to this.
"""

from __future__ import annotations

import asyncio
import importlib
from typing import Any

from chat.sdk import input_widget, mcp, rag
from chat.sdk.action import Action
from chat.sdk.app_hooks import author_rename, on_app_shutdown, on_app_startup, on_logout
from chat.sdk.ask import AskActionMessage, AskElementMessage, AskFileMessage, AskUserMessage
from chat.sdk.audio import on_audio_chunk, on_audio_end, on_audio_start
from chat.sdk.auth_hooks import header_auth_callback, oauth_callback, password_auth_callback
from chat.sdk.cache import cache
from chat.sdk.chat_context import chat_context
from chat.sdk.chat_settings import ChatSettings
from chat.sdk.context import context

# From here on the engine hands the hooks cl.Message, cl.Action and cl.User.
from chat.sdk.conversions import install as _install_conversions  # noqa: F401
from chat.sdk.copilot import CopilotFunction, on_window_message, send_window_message
from chat.sdk.custom_element import CustomElement
from chat.sdk.data_elements import Dataframe, Plotly, Pyplot
from chat.sdk.data_layer import data_layer
from chat.sdk.element_sidebar import ElementSidebar
from chat.sdk.elements import Audio, Element, File, Image, Pdf, Text, Video
from chat.sdk.feedback import on_feedback
from chat.sdk.generation import ChatGeneration, CompletionGeneration, GenerationMessage
from chat.sdk.hooks import (
    action_callback,
    on_chat_end,
    on_chat_resume,
    on_chat_start,
    on_message,
    on_settings_edit,
    on_settings_update,
    on_stop,
    set_chat_profiles,
    set_starter_categories,
    set_starters,
)
from chat.sdk.jobs import Job, job
from chat.sdk.mcp import on_mcp_connect, on_mcp_disconnect
from chat.sdk.message import ErrorMessage, Message
from chat.sdk.modes import Mode, ModeOption
from chat.sdk.profiles import ChatProfile, Starter, StarterCategory
from chat.sdk.sharing import on_shared_thread_view
from chat.sdk.slack import on_slack_reaction_added
from chat.sdk.step import Step, step
from chat.sdk.sync import make_async, run_sync
from chat.sdk.task_list import Task, TaskList, TaskStatus
from chat.sdk.types import AskFileResponse, InputAudioChunk, OutputAudioChunk, User
from chat.sdk.user import PersistedUser
from chat.sdk.user_session import user_session

sleep = asyncio.sleep

# The Chainlit release whose API this facade follows: what an app comparing versions expects.
__version__ = "2.12.0"

# Integrations with optional libraries: imported on first use, so `import chat.sdk` works
# (and stays cheap) without openai, mistralai, langchain-core or llama-index-core.
_LAZY = {
    "instrument_openai": ("chat.sdk.integrations.openai", "openai"),
    "instrument_mistralai": ("chat.sdk.integrations.mistralai", "mistralai"),
    "LangchainCallbackHandler": ("chat.sdk.integrations.langchain", "langchain-core"),
    "AsyncLangchainCallbackHandler": ("chat.sdk.integrations.langchain", "langchain-core"),
    "LlamaIndexCallbackHandler": ("chat.sdk.integrations.llama_index", "llama-index-core"),
    "SemanticKernelFilter": ("chat.sdk.integrations.semantic_kernel", "semantic-kernel"),
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, package = _LAZY[name]
    try:
        value = getattr(importlib.import_module(module), name)
    except ImportError as error:
        raise ImportError(
            f"cl.{name} needs the {package} package: pip install {package}", name=error.name
        ) from error
    globals()[name] = value
    return value


__all__ = [
    "Action",
    "AskActionMessage",
    "AskElementMessage",
    "AskFileMessage",
    "AskFileResponse",
    "AskUserMessage",
    "AsyncLangchainCallbackHandler",
    "Audio",
    "ChatGeneration",
    "ChatProfile",
    "ChatSettings",
    "CompletionGeneration",
    "CopilotFunction",
    "CustomElement",
    "Dataframe",
    "Element",
    "ElementSidebar",
    "ErrorMessage",
    "File",
    "GenerationMessage",
    "Image",
    "InputAudioChunk",
    "Job",
    "LangchainCallbackHandler",
    "LlamaIndexCallbackHandler",
    "Message",
    "Mode",
    "ModeOption",
    "OutputAudioChunk",
    "Pdf",
    "PersistedUser",
    "Plotly",
    "Pyplot",
    "SemanticKernelFilter",
    "Starter",
    "StarterCategory",
    "Step",
    "Task",
    "TaskList",
    "TaskStatus",
    "Text",
    "User",
    "Video",
    "__version__",
    "action_callback",
    "author_rename",
    "cache",
    "chat_context",
    "context",
    "data_layer",
    "header_auth_callback",
    "input_widget",
    "instrument_mistralai",
    "instrument_openai",
    "job",
    "make_async",
    "mcp",
    "oauth_callback",
    "on_app_shutdown",
    "on_app_startup",
    "on_audio_chunk",
    "on_audio_end",
    "on_audio_start",
    "on_chat_end",
    "on_chat_resume",
    "on_chat_start",
    "on_feedback",
    "on_logout",
    "on_mcp_connect",
    "on_mcp_disconnect",
    "on_message",
    "on_settings_edit",
    "on_settings_update",
    "on_shared_thread_view",
    "on_slack_reaction_added",
    "on_stop",
    "on_window_message",
    "password_auth_callback",
    "rag",
    "run_sync",
    "send_window_message",
    "set_chat_profiles",
    "set_starter_categories",
    "set_starters",
    "sleep",
    "step",
    "user_session",
]

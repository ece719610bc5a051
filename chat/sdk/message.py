"""`cl.Message`: send, stream, update and remove a message, as in Chainlit."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from django.conf import settings

from chat.engine.app_hooks import renamed_author
from chat.engine.context import current_session, require_session
from chat.engine.storable import storable_text
from chat.engine.streaming import StreamBuffer
from chat.sdk import step_writes
from chat.sdk.chat_context import chat_context
from chat.sdk.elements import element_from_record, send_elements
from chat.sdk.types import StepDict

_ROLES = {"user_message": "user", "assistant_message": "assistant", "system_message": "system"}


def _thread_id() -> str | None:
    session = current_session.get()
    return str(session.thread_id) if session is not None and session.thread_id else None


class Message:
    def __init__(
        self,
        content: Any = "",
        author: str | None = None,
        language: str | None = None,
        actions: list[Any] | None = None,
        elements: list[Any] | None = None,
        type: str = "assistant_message",
        metadata: dict[str, Any] | None = None,
        tags: list[str] | None = None,
        id: str | None = None,
        parent_id: str | None = None,
        created_at: str | None = None,
        command: str | None = None,
        modes: dict[str, str] | None = None,
    ) -> None:
        if not isinstance(content, str):
            # As in Chainlit: structured content is shown as pretty JSON.
            content = json.dumps(content, indent=4, ensure_ascii=False, default=str)
            language = language or "json"
        self.id = id or str(uuid.uuid4())
        self._content = content
        self.author = author or settings.CHAT_UI_NAME
        self.language = language
        self.actions = actions or []
        self.elements = elements or []
        self.type = type
        self.metadata = metadata or {}
        self.tags = tags
        self.parent_id = parent_id
        self.created_at = created_at
        # The composer command the user chose with this message, as in Chainlit.
        self.command = command
        # The option chosen in each of the composer's pickers ({mode id: option id}).
        self.modes = modes
        self.is_error = False
        self._sent = False
        self._stream: StreamBuffer | None = None

    @classmethod
    def from_record(cls, record: Any, elements: list[Any] = ()) -> Message:
        """A stored message (with the files that came with it), as hooks receive it."""
        kind = {"user": "user_message", "system": "system_message"}.get(
            record.author_kind, "assistant_message"
        )
        created: datetime = record.created_at
        message = cls(
            content=record.content,
            author=record.author_name,
            type=kind,
            id=str(record.id),
            metadata=dict(record.metadata),
            created_at=created.isoformat(),
            command=record.metadata.get("command") or None,
            modes=record.metadata.get("modes") or None,
        )
        if elements:
            message.elements = [element_from_record(e) for e in elements]
        message._sent = True
        return message

    # -- content -----------------------------------------------------------------------
    @property
    def content(self) -> str:
        return self._stream.text if self._stream is not None else self._content

    @content.setter
    def content(self, value: str) -> None:
        self._content = value
        if self._stream is not None:
            self._stream.set_text(value)

    @property
    def role(self) -> str:
        return _ROLES.get(self.type, "assistant")

    @property
    def _author_kind(self) -> str:
        return {"user": "user", "system": "system"}.get(self.role, "assistant")

    async def _rename(self) -> None:
        # As in Chainlit, the assistant's @cl.author_rename decides the name when sent.
        if self._author_kind != "user":
            self.author = await renamed_author(self.author)

    async def _create(self, status: str) -> None:
        await self._rename()
        # The steps a library reported before this message go above it.
        await step_writes.settle(require_session())
        metadata = dict(self.metadata)
        if self.actions:
            for action in self.actions:
                action.forId = self.id
            metadata["actions"] = [action.to_dict() for action in self.actions]
        await require_session().emitter.create_message(
            shown_while_stored=True,
            id=self.id,
            author_kind=self._author_kind,
            author_name=self.author,
            content=self._content,
            status=status,
            is_error=self.is_error,
            metadata=metadata,
        )
        self._sent = True
        chat_context.add(self)
        if self._author_kind == "user":
            await require_session().user_message_written(str(self._content or ""))

    # -- the API -----------------------------------------------------------------------
    async def send(self) -> Message:
        """Shows the message; after streaming, ends the stream with the full text."""
        if self._stream is not None:
            await self._end_stream()
        elif not self._sent:
            await self._create(status="done")
        else:
            await self.update()
        await self._send_elements()
        return self

    async def stream_token(self, token: str, is_sequence: bool = False) -> None:
        """Appends a token (or, with is_sequence, replaces the text). Shown at once."""
        stream = self._stream
        if stream is None:
            emitter = require_session().emitter
            if not self._sent and token:
                # It goes out with its first token in it, stored and shown at once.
                token = storable_text(token)
                self._content = token if is_sequence else self._content + token
                await self._create(status="streaming")
                self._stream = emitter.stream(self.id)
                await self._stream.started_with(self._content)
                return
            if not self._sent:
                await self._create(status="streaming")
            else:
                await emitter.update_message(self.id, status="streaming")
            stream = self._stream = emitter.stream(self.id)
            stream.seed(self._content)
        if is_sequence:
            await stream.replace(token)
        else:
            await stream.add(token)

    async def _end_stream(self) -> None:
        text = self.content
        self._content = text
        self._stream = None
        await require_session().emitter.end_stream(self.id, "done", content=text)

    async def update(self) -> bool:
        """Shows the message's current content (and ends its stream, if any)."""
        if self._stream is not None:
            await self._end_stream()
        elif not self._sent:
            await self._create(status="done")
        else:
            await self._rename()
            await require_session().emitter.update_message(
                self.id, content=self._content, author_name=self.author, status="done"
            )
        await self._send_elements()
        return True

    async def _send_elements(self) -> None:
        """Shows the elements not shown yet under this message (as Chainlit, on send/update)."""
        if self.elements:
            await send_elements(self.elements, self.id)

    async def remove(self) -> bool:
        self._stream = None
        await require_session().emitter.remove_message(self.id)
        chat_context.remove(self)
        return True

    async def remove_actions(self) -> None:
        """Takes the message's buttons away, each as `action.remove()` does."""
        for action in list(self.actions):
            await action.remove()

    def to_dict(self) -> StepDict:
        """The message as Chainlit's `StepDict`, which `Message.from_dict` reads back."""
        return {
            "id": self.id,
            "threadId": _thread_id(),
            "parentId": self.parent_id,
            "createdAt": self.created_at,
            "start": self.created_at,
            "end": self.created_at,
            "command": self.command,
            "modes": self.modes,
            "type": self.type,
            "name": self.author,
            "output": self.content,
            "language": self.language,
            "streaming": self._stream is not None,
            "metadata": self.metadata,
            "tags": self.tags,
            "isError": self.is_error,
        }

    @classmethod
    def from_dict(cls, data: StepDict) -> Message:
        """A message from Chainlit's `StepDict` (as an app keeps one, or `to_dict` gives)."""
        return cls(
            id=data["id"],
            parent_id=data.get("parentId"),
            created_at=data.get("createdAt"),
            content=data.get("output") or "",
            author=data.get("name"),
            command=data.get("command"),
            modes=data.get("modes"),
            type=data.get("type", "assistant_message"),
            language=data.get("language"),
            metadata=data.get("metadata") or {},
        )


class ErrorMessage(Message):
    """A message shown as an error."""

    def __init__(self, content: str, author: str | None = None, **kwargs: Any) -> None:
        super().__init__(content=content, author=author, type="system_message", **kwargs)
        self.is_error = True


# Chainlit defines its questions in `chainlit.message`; apps import them from there too.
from chat.sdk.ask import (  # noqa: E402
    AskActionMessage,
    AskElementMessage,
    AskFileMessage,
    AskUserMessage,
)

__all__ = [
    "AskActionMessage",
    "AskElementMessage",
    "AskFileMessage",
    "AskUserMessage",
    "ErrorMessage",
    "Message",
]

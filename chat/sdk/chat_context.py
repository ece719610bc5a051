"""`cl.chat_context`: the messages of the current thread, for building LLM prompts."""

from __future__ import annotations

from typing import Protocol

from chat.engine.context import current_session


class Message(Protocol):
    """What the history needs of a `cl.Message`: its role and its text."""

    role: str
    content: str


class ChatContext:
    def get(self) -> list[Message]:
        session = current_session.get()
        return list(session.context_messages) if session else []

    def add(self, message: Message) -> None:
        session = current_session.get()
        if session is not None and message not in session.context_messages:
            session.context_messages.append(message)

    def remove(self, message: Message) -> bool:
        session = current_session.get()
        if session is not None and message in session.context_messages:
            session.context_messages.remove(message)
            return True
        return False

    def clear(self) -> None:
        session = current_session.get()
        if session is not None:
            session.context_messages.clear()

    def to_openai(self) -> list[dict[str, str]]:
        """The history as OpenAI chat messages: [{"role": ..., "content": ...}]."""
        return [
            {"role": message.role, "content": message.content}
            for message in self.get()
            if message.role in ("user", "assistant", "system")
        ]


chat_context = ChatContext()

"""Asking the user and waiting for the answer: text, files, or a choice of buttons."""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings

from chat.engine import asks
from chat.engine.context import require_session
from chat.sdk.action import Action
from chat.sdk.types import AskFileResponse
from chat.storage import local_copies


class _Ask:
    kind = ""

    def __init__(
        self, content: str, author: str | None, timeout: float, raise_on_timeout: bool
    ) -> None:
        self.content = content
        self.author = author or settings.CHAT_UI_NAME
        self.timeout = timeout
        self.raise_on_timeout = raise_on_timeout
        self.id: str | None = None  # the question's message, once shown

    def _spec(self) -> dict[str, Any]:
        return {}

    async def _shown(self, ask_id: str) -> None:
        """Runs once the question is on the page (an element question attaches its element)."""

    async def _ask(self) -> Any:
        async def shown(ask_id: str) -> None:
            self.id = ask_id
            await self._shown(ask_id)

        answer = await asks.ask(
            require_session(),
            kind=self.kind,
            content=self.content,
            author=self.author,
            wait_seconds=self.timeout,
            spec=self._spec(),
            shown=shown,
        )
        if answer is None and self.raise_on_timeout:
            raise TimeoutError("The user did not answer in time.")
        return answer

    async def remove(self) -> bool:
        """Takes the question (answered or not) away from the conversation, as Chainlit's
        `await ask.remove()`; False when it was never shown."""
        if self.id is None:
            return False
        await require_session().emitter.remove_message(self.id)
        return True


class AskUserMessage(_Ask):
    """Waits for a typed answer: `{"output": text, ...}`, or None on timeout.

    Example:
        answer = await cl.AskUserMessage(content="What is your name?", timeout=30).send()
        if answer:
            await cl.Message(content=f"Hello {answer['output']}").send()
    """

    kind = "text"

    def __init__(
        self,
        content: str,
        author: str | None = None,
        timeout: float = 60,
        raise_on_timeout: bool = False,
    ) -> None:
        super().__init__(content, author, timeout, raise_on_timeout)

    async def send(self) -> dict[str, Any] | None:
        return await self._ask()


class AskFileMessage(_Ask):
    """Waits for uploaded files: a list of AskFileResponse, or None on timeout.

    Example:
        files = await cl.AskFileMessage(content="Upload a text file", accept=["text/plain"]).send()
    """

    kind = "file"

    def __init__(
        self,
        content: str,
        accept: list[str] | dict[str, list[str]],
        max_size_mb: float = 2,
        max_files: int = 1,
        author: str | None = None,
        timeout: float = 90,
        raise_on_timeout: bool = False,
    ) -> None:
        super().__init__(content, author, timeout, raise_on_timeout)
        self.accept = list(accept.keys()) if isinstance(accept, dict) else list(accept)
        self.max_size_mb = max_size_mb
        self.max_files = max_files

    def _spec(self) -> dict[str, Any]:
        return {"accept": self.accept, "max_size_mb": self.max_size_mb, "max_files": self.max_files}

    async def send(self) -> list[AskFileResponse] | None:
        answer = await self._ask()
        return None if answer is None else [await _file_response(item) for item in answer]


async def _file_response(item: dict[str, Any]) -> AskFileResponse:
    """A local path for the file (a temporary copy when it lives in a bucket), removed when
    the hook that asked ends."""
    fields = dict(item)
    stored = fields.pop("stored_name", "")
    response = AskFileResponse(**{"path": "", **fields})
    if stored:
        # Outside a hook's run (a job's), the copy goes with the response object.
        response.path = await sync_to_async(local_copies.local_path)(stored, owner=response)
    return response


class AskActionMessage(_Ask):
    """Waits for a click on one of the buttons: the chosen action as a dict, or None.

    Example:
        res = await cl.AskActionMessage(
            content="Continue?",
            actions=[cl.Action(name="yes", payload={"ok": True}, label="Yes")],
        ).send()
    """

    kind = "action"

    def __init__(
        self,
        content: str,
        actions: list[Action],
        author: str | None = None,
        timeout: float = 90,
        raise_on_timeout: bool = False,
    ) -> None:
        super().__init__(content, author, timeout, raise_on_timeout)
        self.actions = actions

    def _spec(self) -> dict[str, Any]:
        return {"actions": [action.to_dict() for action in self.actions]}

    async def send(self) -> dict[str, Any] | None:
        return await self._ask()


class AskElementMessage(_Ask):
    """Shows a custom element under the question and waits until the user submits it (its
    template's `data-submit-element`, or `api.submitElement(props)` in its script): the
    submitted props with `"submitted": True`, or None on timeout.

    Example:
        form = cl.CustomElement(name="Expense", props={"amount": 0, "reason": ""})
        res = await cl.AskElementMessage(content="Fill in the expense.", element=form).send()
        if res and res["submitted"]:
            await cl.Message(content=f"Saved: {res['amount']} for {res['reason']}").send()
    """

    kind = "element"

    def __init__(
        self,
        content: str,
        element: Any,
        author: str | None = None,
        timeout: float = 90,
        raise_on_timeout: bool = False,
    ) -> None:
        super().__init__(content, author, timeout, raise_on_timeout)
        self.element = element

    def _spec(self) -> dict[str, Any]:
        return {"element_id": str(self.element.id)}

    async def _shown(self, ask_id: str) -> None:
        await self.element.send(for_id=ask_id)

    async def send(self) -> dict[str, Any] | None:
        return await self._ask()

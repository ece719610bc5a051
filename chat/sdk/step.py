"""`cl.Step` and `@cl.step`: the assistant's visible reasoning, nested as the calls are."""

from __future__ import annotations

import asyncio
import functools
import inspect
import json
import uuid
from collections.abc import Callable
from contextvars import Token
from datetime import datetime
from typing import Any, TypeVar

from django.utils import timezone

from chat.engine.background import spawn
from chat.engine.context import current_step, require_session
from chat.sdk.elements import send_elements
from chat.sdk.types import StepDict

F = TypeVar("F", bound=Callable[..., Any])


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _as_text(value: Any) -> tuple[str, str | None]:
    """A step's input or output as text, and the language to show it in."""
    if value is None:
        return "", None
    if isinstance(value, str):
        return value, None
    if callable(getattr(value, "model_dump", None)):
        # A pydantic result (an MCP tool's CallToolResult, say) shown as its fields.
        value = value.model_dump(mode="json", exclude_none=True)
    return json.dumps(value, indent=4, ensure_ascii=False, default=str), "json"


class Step:
    def __init__(
        self,
        name: str | None = None,
        type: str = "undefined",
        id: str | None = None,
        parent_id: str | None = None,
        elements: list[Any] | None = None,
        metadata: dict[str, Any] | None = None,
        tags: list[str] | None = None,
        language: str | None = None,
        default_open: bool = False,
        show_input: bool | str = "json",
        thread_id: str | None = None,
        auto_collapse: bool = False,
        icon: str | None = None,
    ) -> None:
        self.id = id or str(uuid.uuid4())
        self.name = name or "Step"
        self.type = type
        self.parent_id = parent_id
        self.elements = elements or []
        self.metadata = metadata or {}
        self.tags = tags
        self.language = language
        # As Chainlit: open when first shown; closed again once it ends (auto_collapse, which
        # keeps it open while it runs); a picture, a short glyph or an icon name beside it.
        self.default_open = default_open
        self.auto_collapse = auto_collapse
        self.icon = icon
        self.show_input = show_input
        self.thread_id = thread_id
        self.is_error = False
        # For `llm` steps, as Chainlit's `step.generation`: provider, model, settings, token
        # counts, duration. A dict, or an object with to_dict().
        self.generation: Any = None
        self._tokens_counted = False
        self.start: datetime | None = None
        self.end: datetime | None = None
        self._input = ""
        self._output = ""
        self._sent = False
        self._streaming = False
        self._token: Token[Any] | None = None
        # The step this one runs inside, for `chat.sdk.context.local_steps`.
        self._parent_step: Step | None = None
        self._last: asyncio.Task[Any] | None = None  # for sync use: writes stay in order

    # -- input and output --------------------------------------------------------------
    @property
    def input(self) -> str:
        return self._input

    @input.setter
    def input(self, value: Any) -> None:
        self._input, _ = _as_text(value)

    @property
    def output(self) -> str:
        if self._streaming:
            return require_session().emitter.step_stream(self.id).text
        return self._output

    @output.setter
    def output(self, value: Any) -> None:
        self._output, language = _as_text(value)
        if language and not self.language:
            self.language = language
        if self._streaming:
            require_session().emitter.step_stream(self.id).set_text(self._output)

    def _fields(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "input": self._input,
            "language": self.language or "",
            "is_error": self.is_error,
            "ended_at": self.end,
            "metadata": {
                **self.metadata,
                **({"generation": self._generation_dict()} if self.generation else {}),
                "show_input": self.show_input,
                "default_open": self.default_open,
                "auto_collapse": self.auto_collapse,
                "icon": self.icon or "",
            },
        }

    def to_dict(self) -> StepDict:
        """The step as Chainlit's `StepDict` (its icon kept in the metadata, as Chainlit
        stores it)."""
        generation = self._generation_dict() if self.generation else None
        return {
            "name": self.name,
            "type": self.type,
            "id": self.id,
            "threadId": self.thread_id,
            "parentId": self.parent_id,
            "streaming": self._streaming,
            "metadata": {**self.metadata, **({"icon": self.icon} if self.icon else {})},
            "tags": self.tags,
            "input": self._input,
            "isError": self.is_error,
            "output": self._output,
            "createdAt": _iso(self.start),
            "start": _iso(self.start),
            "end": _iso(self.end),
            "language": self.language,
            "defaultOpen": self.default_open,
            "autoCollapse": self.auto_collapse,
            "showInput": self.show_input,
            "generation": generation,
        }

    def _generation_dict(self) -> dict[str, Any]:
        generation = self.generation
        if hasattr(generation, "to_dict"):
            generation = generation.to_dict()
        return json.loads(json.dumps(dict(generation), default=str))

    async def _count_tokens(self) -> None:
        """Records a finished LLM call's usage (its tokens, or its failure), once."""
        if self._tokens_counted or self.end is None or not self.generation:
            return
        generation = self._generation_dict()
        total = generation.get("total_tokens") or (
            (generation.get("input_tokens") or 0) + (generation.get("output_tokens") or 0)
        )
        failed = self.is_error or bool(generation.get("error"))
        if total or failed:
            self._tokens_counted = True
            await require_session().record_model_call(generation, is_error=failed)

    # -- the API -----------------------------------------------------------------------
    async def send(self) -> Step:
        if self._sent:
            await self.update()
            return self
        emitter = require_session().emitter
        self.start = self.start or timezone.now()
        self._sent = True
        await emitter.create_step(
            id=self.id,
            parent_id=self.parent_id,
            started_at=self.start,
            output=self._output,
            **self._fields(),
        )
        await self._send_elements()
        await self._count_tokens()
        return self

    async def update(self) -> bool:
        if not self._sent:
            await self.send()
            return True
        emitter = require_session().emitter
        fields = self._fields()
        if self._streaming:
            self._output = emitter.step_stream(self.id).text
            self._streaming = False
        fields["output"] = self._output
        await emitter.update_step(self.id, **fields)
        await self._send_elements()
        await self._count_tokens()
        return True

    async def _send_elements(self) -> None:
        """Shows the elements not shown yet under this step (as Chainlit, on send/update)."""
        if self.elements:
            await send_elements(self.elements, self.id)

    async def remove(self) -> bool:
        self._streaming = False
        await require_session().emitter.remove_step(self.id)
        return True

    async def stream_token(self, token: str, is_sequence: bool = False) -> None:
        if not self._sent:
            await self.send()
        stream = require_session().emitter.step_stream(self.id)
        if not self._streaming:
            self._streaming = True
            stream.seed(self._output)
        if is_sequence:
            await stream.replace(token)
        else:
            await stream.add(token)

    # -- as a context manager ----------------------------------------------------------
    def _enter(self) -> None:
        parent = current_step.get()
        self._parent_step = parent
        if parent is not None and self.parent_id is None:
            self.parent_id = parent.id
        self._token = current_step.set(self)
        self.start = timezone.now()

    def _exit(self, error: BaseException | None) -> None:
        self.end = timezone.now()
        if error is not None:
            self.is_error = True
            if isinstance(error, asyncio.CancelledError):
                self.output = self.output or "Stopped"
            else:
                self.output = f"{type(error).__name__}: {error}"
        if self._token is not None:
            current_step.reset(self._token)
            self._token = None

    async def __aenter__(self) -> Step:
        self._enter()
        await self.send()
        return self

    async def __aexit__(self, exc_type: Any, error: BaseException | None, tb: Any) -> None:
        self._exit(error)
        await self.update()

    def _later(self, make: Callable[[], Any]) -> None:
        """From sync code inside a hook: queue the write after the previous one."""
        previous = self._last

        async def write() -> None:
            if previous is not None:
                await asyncio.gather(previous, return_exceptions=True)
            await make()

        self._last = spawn(write(), name=f"step-{self.id}")

    def __enter__(self) -> Step:
        self._enter()
        self._later(self.send)
        return self

    def __exit__(self, exc_type: Any, error: BaseException | None, tb: Any) -> None:
        self._exit(error)
        self._later(self.update)


def _arguments(signature: inspect.Signature, args: tuple, kwargs: dict) -> dict[str, Any]:
    try:
        bound = signature.bind_partial(*args, **kwargs)
    except TypeError:
        return {"args": list(args), **kwargs}
    return {k: v for k, v in bound.arguments.items() if k not in ("self", "cls")}


def step(
    original_function: Callable[..., Any] | None = None,
    *,
    name: str | None = "",
    type: str = "undefined",
    id: str | None = None,
    parent_id: str | None = None,
    tags: list[str] | None = None,
    metadata: dict[str, Any] | None = None,
    language: str | None = None,
    show_input: bool | str = "json",
    default_open: bool = False,
    auto_collapse: bool = False,
    icon: str | None = None,
) -> Any:
    """Shows each call of the decorated function as a step; its return value is the output.

    Example:
        @cl.step(type="tool")
        async def search(query: str) -> str:
            return "found it"
    """

    def decorate(func: F) -> F:
        # Read once: inspecting a function costs more than the rest of a step's start.
        signature = inspect.signature(func)

        def make() -> Step:
            return Step(
                name=name or func.__name__,
                type=type,
                id=id,
                parent_id=parent_id,
                tags=tags,
                metadata=metadata,
                language=language,
                show_input=show_input,
                default_open=default_open,
                auto_collapse=auto_collapse,
                icon=icon,
            )

        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                current = make()
                if show_input:
                    current.input = _arguments(signature, args, kwargs)
                async with current:
                    result = await func(*args, **kwargs)
                    if result is not None and not current.output:
                        current.output = result
                    return result

            return async_wrapper  # type: ignore[return-value]

        @functools.wraps(func)
        def sync_wrapper(*args: Any, **kwargs: Any) -> Any:
            current = make()
            if show_input:
                current.input = _arguments(signature, args, kwargs)
            with current:
                result = func(*args, **kwargs)
                if result is not None and not current.output:
                    current.output = result
                return result

        return sync_wrapper  # type: ignore[return-value]

    if original_function is not None:
        return decorate(original_function)
    return decorate

"""What every integration shares: writing steps from any code, and one LLM call as a step.

Libraries call back from async code, from blocking code run in the event loop's thread,
and from worker threads (`cl.make_async`, LangChain's and LlamaIndex's thread pools).
`StepWriter` queues each write on the chat's event loop in order, and never blocks the
caller: a worker thread that waited for the loop could deadlock a loop that waits for it.
"""

from __future__ import annotations

import asyncio
import contextvars
import importlib
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from django.utils import timezone

from chat.engine.background import spawn
from chat.engine.context import current_session, current_step
from chat.sdk import step_writes
from chat.sdk.step import Step

# Arguments of a client call that are not the model's settings.
NOT_SETTINGS = {
    "messages",
    "tools",
    "stream",
    "model",
    "stream_options",
    "extra_headers",
    "extra_query",
    "extra_body",
    "timeout",
    "retries",
    "server_url",
    "timeout_ms",
    "http_headers",
    "system",
}
# Sentinels the client libraries use for "not given".
UNSET_TYPES = {"NotGiven", "Omit", "Unset", "UnsetType"}


def require(module: str, package: str, feature: str) -> None:
    """Imports a client library, or says which package the feature needs."""
    try:
        importlib.import_module(module)
    except ImportError as error:
        raise ImportError(
            f"{feature} needs the {package} package: pip install {package}", name=error.name
        ) from error


def _json_default(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(exclude_none=True)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def plain(value: Any) -> Any:
    """A JSON-safe copy of what a client library was given or returned (pydantic or not)."""
    if hasattr(value, "model_dump"):
        value = value.model_dump(exclude_none=True)
    return json.loads(json.dumps(value, default=_json_default))


def given(value: Any) -> bool:
    return value is not None and type(value).__name__ not in UNSET_TYPES


def llm_settings(arguments: dict[str, Any]) -> dict[str, Any]:
    """The sampling settings of a call (temperature, max_tokens, ...), keys never included."""
    return {
        k: plain(v)
        for k, v in arguments.items()
        if k not in NOT_SETTINGS and given(v) and "key" not in k.lower()
    }


class StepWriter:
    """Writes steps of the current chat in the order asked, from any thread."""

    def __init__(self) -> None:
        # The chat this writer was made in: used when a library calls back from a thread
        # that did not copy the context (a plain thread pool).
        self._home = current_session.get()
        self._last: asyncio.Future[Any] | None = None

    @property
    def session(self) -> Any:
        return current_session.get() or self._home

    @property
    def active(self) -> bool:
        return self.session is not None

    def submit(self, write: Callable[[], Awaitable[Any]]) -> None:
        session = self.session
        if session is None:
            return  # outside a chat there is nothing to show
        context = contextvars.copy_context()
        context.run(current_session.set, session)
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is session.loop:
            self._chain(write, context)
        else:
            session.loop.call_soon_threadsafe(self._chain, write, context)

    def _chain(self, write: Callable[[], Awaitable[Any]], context: contextvars.Context) -> None:
        previous = self._last

        async def run() -> None:
            if previous is not None:
                await asyncio.gather(previous, return_exceptions=True)
            await write()

        self._last = spawn(run(), name="integration-step", context=context)
        step_writes.track(self.session, self._last)

    async def flush(self) -> None:
        """Waits for the writes queued so far (from the chat's event loop)."""
        if self._last is not None:
            await asyncio.gather(self._last, return_exceptions=True)


class LLMCall:
    """One call to a model, shown as an `llm` step: prompt messages in, completion out,
    with the model, settings, token counts and durations in `step.generation`."""

    def __init__(
        self,
        provider: str,
        arguments: dict[str, Any],
        *,
        writer: StepWriter | None = None,
        parent_id: str | None = None,
    ) -> None:
        self.writer = writer or StepWriter()
        model = arguments.get("model") if given(arguments.get("model")) else None
        parent = current_step.get()
        self.step = Step(
            name=str(model or provider),
            type="llm",
            parent_id=parent_id or (parent.id if parent is not None else None),
            show_input="json",
        )
        messages = plain(arguments.get("messages") or [])
        if given(arguments.get("system")):
            messages = [{"role": "system", "content": plain(arguments["system"])}, *messages]
        self.step.input = messages
        tools = arguments.get("tools")
        self.generation: dict[str, Any] = {
            "provider": provider,
            "model": model,
            "settings": llm_settings(arguments),
            "tools": [_tool_name(t) for t in plain(tools)] if given(tools) and tools else [],
            "stream": bool(arguments.get("stream")),
        }
        self.step.generation = self.generation
        self.step.start = timezone.now()
        self._started = time.monotonic()
        self._first_token: float | None = None
        self.text = ""
        self.tool_calls: dict[int, dict[str, Any]] = {}
        self.done = False
        self.writer.submit(self.step.send)

    @classmethod
    def begin(cls, provider: str, arguments: dict[str, Any]) -> LLMCall | None:
        """A recorder for this call, or None outside a chat (then nothing is recorded)."""
        writer = StepWriter()
        if not writer.active:
            return None
        return cls(provider, arguments, writer=writer)

    # -- while it runs -----------------------------------------------------------------
    def add_text(self, text: str | None) -> None:
        if text:
            if self._first_token is None:
                self._first_token = time.monotonic()
            self.text += text

    def add_tool_call_delta(
        self, index: int, id: str | None, name: str | None, arguments: Any
    ) -> None:
        if self._first_token is None:
            self._first_token = time.monotonic()
        call = self.tool_calls.setdefault(index, {"id": "", "name": "", "arguments": ""})
        if id:
            call["id"] = id
        if name:
            call["name"] = name
        if arguments:
            call["arguments"] += arguments if isinstance(arguments, str) else json.dumps(arguments)

    def set_usage(self, input_tokens: Any, output_tokens: Any, total: Any = None) -> None:
        if isinstance(input_tokens, int):
            self.generation["input_tokens"] = input_tokens
        if isinstance(output_tokens, int):
            self.generation["output_tokens"] = output_tokens
        if isinstance(total, int):
            self.generation["total_tokens"] = total
        elif isinstance(input_tokens, int) or isinstance(output_tokens, int):
            self.generation["total_tokens"] = (input_tokens or 0) + (output_tokens or 0)

    def set_cached(self, cached_tokens: Any) -> None:
        """Input tokens the provider served from its prompt cache (part of the input)."""
        if isinstance(cached_tokens, int):
            self.generation["cached_tokens"] = cached_tokens

    def set_model(self, model: str | None) -> None:
        if model:
            self.generation["model"] = model
            self.step.name = model

    # -- the end -----------------------------------------------------------------------
    def _close(self) -> None:
        self.done = True
        now = time.monotonic()
        self.step.end = timezone.now()
        self.generation["duration_ms"] = round((now - self._started) * 1000)
        if self._first_token is not None:
            self.generation["tt_first_token_ms"] = round((self._first_token - self._started) * 1000)
        calls = [self.tool_calls[i] for i in sorted(self.tool_calls)]
        if calls:
            self.generation["tool_calls"] = calls
        if self.text or not calls:
            self.step.output = self.text
        else:
            self.step.output = calls  # shown as JSON
        self.step.generation = self.generation

    def finish(self) -> None:
        if self.done:
            return
        self._close()
        self.writer.submit(self.step.update)

    def fail(self, error: BaseException) -> None:
        """Ends the step as failed, keeping what the model said before the error."""
        if self.done:
            return
        self._close()
        self.step.is_error = True
        self.generation["error"] = f"{type(error).__name__}: {error}"
        if not self.text and not self.tool_calls:
            self.step.output = self.generation["error"]
        self.step.generation = self.generation
        self.writer.submit(self.step.update)


def _tool_name(tool: Any) -> str:
    if isinstance(tool, dict):
        return str(tool.get("name") or (tool.get("function") or {}).get("name") or "tool")
    return str(tool)

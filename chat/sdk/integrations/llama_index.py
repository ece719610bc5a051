"""`cl.LlamaIndexCallbackHandler`: LlamaIndex events as steps.

Queries become `run` steps, retrievals `retrieval` steps (the nodes found, with scores),
LLM calls `llm` steps (prompt messages, output, model, token counts) and function calls
`tool` steps, nested as the events are. Chunking, parsing, embedding and templating are
skipped by default. LlamaIndex calls back from the thread that runs the query, so writes
are queued on the chat's event loop.

Example:
    from llama_index.core import Settings
    from llama_index.core.callbacks import CallbackManager

    @cl.on_chat_start
    async def start():
        Settings.callback_manager = CallbackManager([cl.LlamaIndexCallbackHandler()])
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from llama_index.core.callbacks.base_handler import BaseCallbackHandler
from llama_index.core.callbacks.schema import BASE_TRACE_EVENT, CBEventType, EventPayload

from chat.engine.context import current_step
from chat.sdk.integrations.llama_index_streams import follow, is_unread_stream
from chat.sdk.integrations.steps import StepWriter, plain
from chat.sdk.step import Step

DEFAULT_IGNORE = [
    CBEventType.CHUNKING,
    CBEventType.NODE_PARSING,
    CBEventType.EMBEDDING,
    CBEventType.TREE,
    CBEventType.TEMPLATING,
]
STEP_TYPES = {
    CBEventType.LLM: "llm",
    CBEventType.RETRIEVE: "retrieval",
    CBEventType.QUERY: "run",
    CBEventType.AGENT_STEP: "run",
    CBEventType.FUNCTION_CALL: "tool",
    CBEventType.RERANKING: "rerank",
    CBEventType.EMBEDDING: "embedding",
}


def _role(message: Any) -> str:
    role = getattr(message, "role", "user")
    return str(getattr(role, "value", role))


def _messages(payload: dict[str, Any]) -> list[dict[str, Any]]:
    messages = payload.get(EventPayload.MESSAGES)
    if messages:
        return [{"role": _role(m), "content": getattr(m, "content", str(m))} for m in messages]
    prompt = payload.get(EventPayload.PROMPT)
    return [{"role": "user", "content": str(prompt)}] if prompt else []


def _usage(response: Any) -> tuple[int | None, int | None]:
    """Token counts from an LLM response: its raw usage, or its additional kwargs."""
    raw = getattr(response, "raw", None)
    usage = raw.get("usage") if isinstance(raw, dict) else getattr(raw, "usage", None)
    if usage is not None:
        usage = plain(usage)
        if isinstance(usage, dict):
            return (
                usage.get("prompt_tokens", usage.get("input_tokens")),
                usage.get("completion_tokens", usage.get("output_tokens")),
            )
    extra = getattr(response, "additional_kwargs", None) or {}
    return extra.get("prompt_tokens"), extra.get("completion_tokens")


class LlamaIndexCallbackHandler(BaseCallbackHandler):
    def __init__(
        self,
        event_starts_to_ignore: list[CBEventType] | None = None,
        event_ends_to_ignore: list[CBEventType] | None = None,
    ) -> None:
        super().__init__(
            event_starts_to_ignore=DEFAULT_IGNORE
            if event_starts_to_ignore is None
            else event_starts_to_ignore,
            event_ends_to_ignore=DEFAULT_IGNORE
            if event_ends_to_ignore is None
            else event_ends_to_ignore,
        )
        self.writer = StepWriter()
        home = current_step.get()
        self._home_parent = home.id if home is not None else None
        self.steps: dict[str, Step] = {}

    def _parent_id(self, parent_id: str) -> str | None:
        if parent_id in self.steps:
            return self.steps[parent_id].id
        here = current_step.get()
        return here.id if here is not None else self._home_parent

    def on_event_start(
        self,
        event_type: CBEventType,
        payload: dict[str, Any] | None = None,
        event_id: str = "",
        parent_id: str = BASE_TRACE_EVENT,
        **kwargs: Any,
    ) -> str:
        if event_type in self.event_starts_to_ignore:
            return event_id
        payload = payload or {}
        step_type = STEP_TYPES.get(event_type, "undefined")
        step = Step(name=event_type.value, type=step_type, parent_id=self._parent_id(parent_id))
        step.start = timezone.now()
        if step_type == "llm":
            serialized = payload.get(EventPayload.SERIALIZED) or {}
            model = serialized.get("model") or serialized.get("model_name")
            step.input = _messages(payload)
            settings = {
                k: plain(v)
                for k, v in serialized.items()
                if k in ("temperature", "max_tokens", "top_p", "context_window", "num_output")
            }
            step.generation = {
                "provider": serialized.get("class_name"),
                "model": model,
                "settings": settings,
            }
            if model:
                step.name = str(model)
        elif event_type == CBEventType.FUNCTION_CALL:
            tool = payload.get(EventPayload.TOOL)
            step.name = getattr(tool, "name", None) or "function_call"
            step.input = plain(payload.get(EventPayload.FUNCTION_CALL))
        elif EventPayload.QUERY_STR in payload:
            step.input = str(payload[EventPayload.QUERY_STR])
        self.steps[event_id] = step
        self.writer.submit(step.send)
        return event_id

    def on_event_end(
        self,
        event_type: CBEventType,
        payload: dict[str, Any] | None = None,
        event_id: str = "",
        **kwargs: Any,
    ) -> None:
        step = self.steps.pop(event_id, None)
        if step is None:
            return
        payload = payload or {}
        step.end = timezone.now()
        if event_type == CBEventType.LLM:
            response = payload.get(EventPayload.RESPONSE) or payload.get(EventPayload.COMPLETION)
            message = getattr(response, "message", None)
            text = getattr(message, "content", None) if message is not None else None
            step.output = text if text is not None else getattr(response, "text", "") or ""
            input_tokens, output_tokens = _usage(response)
            generation = dict(step.generation or {})
            if input_tokens is not None or output_tokens is not None:
                generation.update(
                    input_tokens=input_tokens,
                    output_tokens=output_tokens,
                    total_tokens=(input_tokens or 0) + (output_tokens or 0),
                )
            if step.start is not None:
                elapsed = (step.end - step.start).total_seconds()
                generation["duration_ms"] = round(elapsed * 1000)
            step.generation = generation
        elif event_type == CBEventType.RETRIEVE:
            nodes = payload.get(EventPayload.NODES) or []
            step.output = [
                {"content": node.node.get_content(), "score": node.score} for node in nodes
            ]
        elif event_type == CBEventType.FUNCTION_CALL:
            step.output = str(payload.get(EventPayload.FUNCTION_OUTPUT, ""))
        elif is_unread_stream(payload.get(EventPayload.RESPONSE)):
            # The app reads the answer after the query: the step gets it then.
            follow(payload[EventPayload.RESPONSE], lambda text: self._streamed(step, text))
        elif EventPayload.RESPONSE in payload:
            step.output = str(payload[EventPayload.RESPONSE])
        if EventPayload.EXCEPTION in payload:
            step.is_error = True
            step.output = str(payload[EventPayload.EXCEPTION])
        self.writer.submit(step.update)

    def _streamed(self, step: Step, text: str) -> None:
        step.output = text
        self.writer.submit(step.update)

    def start_trace(self, trace_id: str | None = None) -> None:
        pass

    def end_trace(
        self, trace_id: str | None = None, trace_map: dict[str, list[str]] | None = None
    ) -> None:
        pass

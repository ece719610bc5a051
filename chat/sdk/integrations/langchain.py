"""`cl.LangchainCallbackHandler` / `cl.AsyncLangchainCallbackHandler`: LangChain runs as steps.

Built on langchain-core's tracer, which keeps the run tree: chains become `run` steps,
chat models and LLMs `llm` steps (prompt messages, settings, output, model, token counts),
tools `tool` steps and retrievers `retrieval` steps, nested as the runs are. The plumbing
runnables (sequences, parallels, lambdas, prompt templates, output parsers) are skipped,
and their children shown under the nearest step that is kept.

Example:
    chain = prompt | model | StrOutputParser()

    @cl.on_message
    async def on_message(message: cl.Message):
        answer = await chain.ainvoke(
            {"question": message.content},
            config={"callbacks": [cl.AsyncLangchainCallbackHandler()]},
        )
        await cl.Message(content=answer).send()
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from langchain_core.tracers.base import AsyncBaseTracer, BaseTracer
from langchain_core.tracers.schemas import Run

from chat.engine.context import current_step
from chat.sdk.integrations.steps import StepWriter, plain
from chat.sdk.step import Step

DEFAULT_TO_IGNORE = [
    "RunnableSequence",
    "RunnableParallel",
    "RunnableAssign",
    "RunnableLambda",
    "RunnablePassthrough",
    "RunnablePick",
    "RunnableBinding",
    "<lambda>",
]
IGNORED_RUN_TYPES = {"prompt", "parser"}
STEP_TYPES = {
    "llm": "llm",
    "chat_model": "llm",
    "chain": "run",
    "tool": "tool",
    "retriever": "retrieval",
    "embedding": "embedding",
}
ROLES = {"human": "user", "ai": "assistant", "system": "system", "tool": "tool"}
ROLES.update({"HumanMessage": "user", "AIMessage": "assistant", "SystemMessage": "system"})


def _message(serialized: Any) -> dict[str, Any]:
    """A prompt message as {"role", "content"}, from LangChain's serialised form."""
    if not isinstance(serialized, dict):
        return {"role": "user", "content": str(serialized)}
    fields = serialized.get("kwargs", serialized)
    kind = fields.get("type") or (serialized.get("id") or ["", "human"])[-1]
    shown: dict[str, Any] = {"role": ROLES.get(kind, kind), "content": plain(fields.get("content"))}
    if fields.get("tool_calls"):
        shown["tool_calls"] = plain(fields["tool_calls"])
    return shown


def _prompt(run: Run) -> list[dict[str, Any]]:
    inputs = run.inputs or {}
    if inputs.get("messages"):
        return [_message(m) for m in inputs["messages"][0]]
    return [{"role": "user", "content": p} for p in inputs.get("prompts", [])]


def _settings(run: Run) -> tuple[str | None, str | None, dict[str, Any]]:
    """(provider, model, settings) from the run's invocation parameters, keys left out."""
    params = dict((run.extra or {}).get("invocation_params") or {})
    provider = params.pop("_type", None)
    model = params.pop("model", None) or params.pop("model_name", None)
    settings = {k: plain(v) for k, v in params.items() if "key" not in k.lower() and v is not None}
    return provider, model, settings


def _unwrap(outputs: Any) -> Any:
    if isinstance(outputs, dict) and len(outputs) == 1:
        return next(iter(outputs.values()))
    return outputs


def _shown(value: Any) -> Any:
    """A tool's or chain's output as the user should read it."""
    value = _unwrap(value)
    content = getattr(value, "content", None)
    if content is not None and hasattr(value, "type"):
        return content  # a message (a tool's ToolMessage, a model's AIMessage)
    if isinstance(value, dict) and value.get("type") == "tool" and "content" in value:
        return value["content"]
    return plain(value)


class _StepTree:
    """Maps runs to steps; skipped runs pass their place on to their children."""

    def __init__(self, to_ignore: list[str] | None = None, **_: Any) -> None:
        # Chainlit's options for streaming the final answer are accepted and not needed:
        # the answer is the app's own message.
        self.to_ignore = DEFAULT_TO_IGNORE if to_ignore is None else to_ignore
        home = current_step.get()
        self._home_parent = home.id if home is not None else None
        self.steps: dict[str, Step] = {}
        self.skipped_parent: dict[str, str | None] = {}
        # What Chainlit apps written for `stream_final_answer=True` read after the run: the
        # answer was not streamed here, so they send it themselves.
        self.has_streamed_final_answer = False
        self.final_stream: Any = None
        self.answer_reached = False

    def _ignored(self, run: Run) -> bool:
        return run.run_type in IGNORED_RUN_TYPES or any(
            run.name == name or run.name.startswith(name + "<") for name in self.to_ignore
        )

    def _parent_id(self, run: Run) -> str | None:
        parent = str(run.parent_run_id) if run.parent_run_id else None
        if parent is not None:
            if parent in self.steps:
                return self.steps[parent].id
            if parent in self.skipped_parent:
                return self.skipped_parent[parent]
        here = current_step.get()
        return here.id if here is not None else self._home_parent

    def created(self, run: Run) -> Step | None:
        parent_id = self._parent_id(run)
        if self._ignored(run):
            self.skipped_parent[str(run.id)] = parent_id
            return None
        step_type = STEP_TYPES.get(run.run_type, "undefined")
        step = Step(name=run.name, type=step_type, parent_id=parent_id)
        step.start = timezone.now()
        if step_type == "llm":
            provider, model, settings = _settings(run)
            step.input = _prompt(run)
            step.generation = {"provider": provider, "model": model, "settings": settings}
            if model:
                step.name = model
        else:
            step.input = plain(_unwrap(run.inputs))
        self.steps[str(run.id)] = step
        return step

    def ended(self, run: Run) -> Step | None:
        self.skipped_parent.pop(str(run.id), None)
        step = self.steps.pop(str(run.id), None)
        if step is None:
            return None
        step.end = timezone.now()
        if step.type == "llm":
            self._llm_output(step, run)
        elif step.type == "retrieval":
            documents = (run.outputs or {}).get("documents") or []
            step.output = [
                {"content": getattr(d, "page_content", d), "metadata": getattr(d, "metadata", {})}
                for d in documents
            ]
        elif run.outputs is not None:
            step.output = _shown(run.outputs)
        if run.error:
            step.is_error = True
            step.output = str(run.error).strip().splitlines()[-1] if run.error else ""
        return step

    def _llm_output(self, step: Step, run: Run) -> None:
        outputs = run.outputs or {}
        generation = dict(step.generation or {})
        generations = outputs.get("generations") or [[]]
        first = generations[0][0] if generations and generations[0] else {}
        message = first.get("message") or {}
        fields = message.get("kwargs", message) if isinstance(message, dict) else {}
        text = first.get("text") or ""
        tool_calls = fields.get("tool_calls") or []
        usage = fields.get("usage_metadata") or {}
        token_usage = (outputs.get("llm_output") or {}).get("token_usage") or {}
        input_tokens = usage.get("input_tokens", token_usage.get("prompt_tokens"))
        output_tokens = usage.get("output_tokens", token_usage.get("completion_tokens"))
        if input_tokens is not None or output_tokens is not None:
            generation["input_tokens"] = input_tokens
            generation["output_tokens"] = output_tokens
            generation["total_tokens"] = usage.get("total_tokens") or (
                (input_tokens or 0) + (output_tokens or 0)
            )
        cached = (usage.get("input_token_details") or {}).get("cache_read")
        if isinstance(cached, int):
            generation["cached_tokens"] = cached
        model = (fields.get("response_metadata") or {}).get("model_name")
        if model and not generation.get("model"):
            generation["model"] = model
            step.name = model
        if tool_calls:
            generation["tool_calls"] = plain(tool_calls)
        if run.start_time and run.end_time:
            elapsed = (run.end_time - run.start_time).total_seconds()
            generation["duration_ms"] = round(elapsed * 1000)
        step.generation = generation
        step.output = text if text or not tool_calls else plain(tool_calls)


class LangchainCallbackHandler(_StepTree, BaseTracer):
    """For `invoke`, `stream` and `batch` (and async ones too): writes are queued in order."""

    # Called where the run happens rather than on a thread pool: the order stays the
    # order of the runs, and the chat context is at hand.
    run_inline = True

    def __init__(self, to_ignore: list[str] | None = None, **kwargs: Any) -> None:
        BaseTracer.__init__(self, _schema_format="original+chat")
        _StepTree.__init__(self, to_ignore, **kwargs)
        self.writer = StepWriter()

    def _persist_run(self, run: Run) -> None:
        pass  # steps are written as runs start and end

    def _on_run_create(self, run: Run) -> None:
        step = self.created(run)
        if step is not None:
            self.writer.submit(step.send)

    def _on_run_update(self, run: Run) -> None:
        step = self.ended(run)
        if step is not None:
            self.writer.submit(step.update)


class AsyncLangchainCallbackHandler(_StepTree, AsyncBaseTracer):
    """For `ainvoke` and `astream`: each step is written before the run goes on."""

    def __init__(self, to_ignore: list[str] | None = None, **kwargs: Any) -> None:
        AsyncBaseTracer.__init__(self, _schema_format="original+chat")
        _StepTree.__init__(self, to_ignore, **kwargs)

    async def _persist_run(self, run: Run) -> None:
        pass

    async def _on_run_create(self, run: Run) -> None:
        step = self.created(run)
        if step is not None:
            await step.send()

    async def _on_run_update(self, run: Run) -> None:
        step = self.ended(run)
        if step is not None:
            await step.update()

"""What the chat counts for Prometheus (served at /metrics, see chatproject.health).

Each web process counts for itself and is scraped on its own (one daphne per container or
pod): no multiprocess mode, no shared directory. What is the same for every process (the
stored jobs, the broker's queue) is read at scrape time instead (chat.engine.queue_metrics).
A run is one call of an assistant's hook (`on_message`, `on_chat_start`, an action's
callback ...), labelled by the hook.
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from prometheus_client import Counter, Gauge, Histogram

# Seconds: a first token comes in tens of milliseconds from memory, in seconds from a model.
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
RUN_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600)

http_requests = Counter(
    "chat_http_requests",
    "HTTP requests answered, by URL name and status code.",
    ["view", "status"],
)
# Read from the sockets the shutdown tracks (chat.engine.shutdown), so it cannot drift.
websockets_open = Gauge("chat_websockets_open", "Chat sockets open on this process.")
runs_active = Gauge("chat_runs_active", "Assistant hooks running now.", ["hook"])
runs = Counter(
    "chat_runs",
    "Assistant hook runs ended, by hook and outcome (done, failed, stopped).",
    ["hook", "outcome"],
)
run_duration = Histogram(
    "chat_run_duration_seconds", "How long a hook ran.", ["hook"], buckets=RUN_BUCKETS
)
first_token = Histogram(
    "chat_first_token_seconds",
    "From the start of a run to its first streamed token.",
    ["hook"],
    buckets=LATENCY_BUCKETS,
)
tokens_streamed = Counter("chat_tokens_streamed", "Tokens streamed to the pages.")


@dataclass
class _Run:
    hook: str
    started: float
    first_token_seen: bool = False


_run: ContextVar[_Run | None] = ContextVar("chat_metrics_run", default=None)


@functools.lru_cache(maxsize=256)
def _of_hook(hook: str) -> tuple[Any, Any, Any]:
    """A hook's own series: `labels()` validates and locks on every call, and a message
    asks for these as its answer starts (the hooks are the app's few functions)."""
    return runs_active.labels(hook), run_duration.labels(hook), first_token.labels(hook)


@functools.lru_cache(maxsize=256)
def _ended(hook: str, outcome: str) -> Any:
    return runs.labels(hook, outcome)


@contextlib.contextmanager
def counting_run(hook: str) -> Iterator[_Outcome]:
    """Counts one run of `hook`: active while inside, then ended with the outcome the body
    set (an exception that escapes counts as failed, a cancel as stopped)."""
    outcome = _Outcome()
    started = time.monotonic()
    token = _run.set(_Run(hook, started))
    active, duration, _first = _of_hook(hook)
    active.inc()
    try:
        yield outcome
    except BaseException as error:
        if outcome.value == "done":
            outcome.value = "failed" if isinstance(error, Exception) else "stopped"
        raise
    finally:
        _run.reset(token)
        active.dec()
        _ended(hook, outcome.value).inc()
        duration.observe(time.monotonic() - started)


@dataclass
class _Outcome:
    value: str = "done"

    def failed(self) -> None:
        self.value = "failed"

    def stopped(self) -> None:
        self.value = "stopped"


def token_streamed() -> None:
    """One token out; the run's first also times its first token."""
    tokens_streamed.inc()
    run = _run.get()
    if run is not None and not run.first_token_seen:
        run.first_token_seen = True
        _of_hook(run.hook)[2].observe(time.monotonic() - run.started)


# -- model calls: counted where the hook that made them runs ----------------------------------
MODEL_BUCKETS = (0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120)
llm_calls = Counter(
    "chat_llm_calls",
    "Model calls that reported usage or failed, by provider, model and outcome (ok, error).",
    ["provider", "model", "outcome"],
)
llm_call_duration = Histogram(
    "chat_llm_call_duration_seconds",
    "How long a model call took, as its integration measured it.",
    ["provider", "model"],
    buckets=MODEL_BUCKETS,
)
llm_tokens = Counter(
    "chat_llm_tokens",
    "Tokens model calls used, by provider, model and kind (input, output).",
    ["provider", "model", "kind"],
)

# -- jobs (@cl.job): the runs that ended in this process -------------------------------------
job_runs = Counter(
    "chat_job_runs",
    "Jobs that ended in this process, by outcome (done, failed, stopped).",
    ["outcome"],
)


def _count(value: object) -> int:
    return value if isinstance(value, int) and value > 0 else 0


def model_call(generation: dict, *, is_error: bool) -> None:
    """Counts one model call from its `llm` step's generation."""
    provider = str(generation.get("provider") or "unknown")[:50]
    model = str(generation.get("model") or "unknown")[:100]
    llm_calls.labels(provider, model, "error" if is_error else "ok").inc()
    duration_ms = generation.get("duration_ms")
    if isinstance(duration_ms, int | float) and duration_ms >= 0:
        llm_call_duration.labels(provider, model).observe(duration_ms / 1000)
    for kind in ("input", "output"):
        tokens = _count(generation.get(f"{kind}_tokens"))
        if tokens:
            llm_tokens.labels(provider, model, kind).inc(tokens)


def job_ended(outcome: str) -> None:
    job_runs.labels(outcome).inc()

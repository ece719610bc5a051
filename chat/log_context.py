"""Who a log line is about: the request, user, thread and run being served when it was
written, kept in context variables (so they follow a request into its view and a run into
its hook's tasks) and put on every log record by `ContextFilter`.

Ids only: a log line says which thread, never what was written in it.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from contextvars import ContextVar

FIELDS = ("request_id", "user_id", "thread_id", "run_id")

_values: dict[str, ContextVar[str | None]] = {
    name: ContextVar(f"log_{name}", default=None) for name in FIELDS
}


def bind(**ids: object) -> None:
    """Sets ids for the rest of this context (a hook's task, a request's handling)."""
    for name, value in ids.items():
        _values[name].set(None if value is None else str(value))


@contextlib.contextmanager
def bound(**ids: object) -> Iterator[None]:
    """Sets ids inside the block only."""
    tokens = {name: _values[name].set(None if v is None else str(v)) for name, v in ids.items()}
    try:
        yield
    finally:
        for name, token in tokens.items():
            _values[name].reset(token)


def current() -> dict[str, str]:
    """The ids known here, unknown ones left out."""
    return {name: value for name in FIELDS if (value := _values[name].get()) is not None}


class ContextFilter(logging.Filter):
    """Puts the ids known where a record was made on it (None where unknown)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name in FIELDS:
            if not hasattr(record, name):
                setattr(record, name, _values[name].get())
        return True

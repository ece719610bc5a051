#!/usr/bin/env python3
"""Diagnostics only: runs daphne like `python -m daphne ...`, timing each frame's path.

    .venv/bin/python bench/run.py --phases b --no-snapshot --launcher bench/launch_traced.py
    .venv/bin/python bench/trace_summary.py /tmp/chat-trace.jsonl

For every frame the page sends, it writes (as one JSON line per fragment sent back) the
milliseconds since the frame reached the consumer at which: the handler started, the
database thread began and ended writing a message, a fragment was rendered and pushed,
a hook started, and each fragment was handed to the socket (send_user, send_assistant,
send_tokens, send_run, ...). Frames are sequential in (b) and (c), so one clock is enough.
TRACE_OUT sets the file (default /tmp/chat-trace.jsonl).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatproject.settings")

TRACE_OUT = os.environ.get("TRACE_OUT") or str(Path(tempfile.gettempdir()) / "chat-trace.jsonl")
_out = open(TRACE_OUT, "a")  # noqa: SIM115 - open for the life of the server
_frame: dict = {"t0": None, "events": []}


def mark(name: str) -> None:
    if _frame["t0"] is not None:
        _frame["events"].append((name, round((time.perf_counter() - _frame["t0"]) * 1e3, 3)))


def fragment_kind(html: str) -> str:
    if html.startswith('<span hx-swap-oob="beforeend:#m-'):
        return "tokens"
    if "message--assistant" in html and "beforeend:#messages" in html:
        return "assistant"
    if "message--user" in html:
        return "user"
    if "run-state" in html:
        return "run"
    return html[1 : html.find(" ")] if html.startswith("<") else "other"


def apply() -> None:
    import django

    django.setup()
    from chat.engine import emitter, session
    from chat.rendering import fragments
    from chat.web import consumers

    consumer = consumers.ChatConsumer
    dispatch, receive, send_fragment = consumer.dispatch, consumer.receive, consumer.chat_fragment

    async def traced_dispatch(self, message):
        if message["type"] == "websocket.receive":
            _frame["t0"], _frame["events"] = time.perf_counter(), []
        await dispatch(self, message)

    async def traced_receive(self, text_data=None, bytes_data=None):
        mark("handler")
        await receive(self, text_data, bytes_data)
        mark("handler_done")

    async def traced_fragment(self, event):
        mark("send_" + fragment_kind(event["html"]))
        await send_fragment(self, event)
        if _frame["t0"] is not None:
            _out.write(json.dumps({"id": _frame["t0"], "events": _frame["events"]}) + "\n")
            _out.flush()

    consumer.dispatch, consumer.receive = traced_dispatch, traced_receive
    consumer.chat_fragment = traced_fragment

    insert = emitter._insert_message

    def traced_insert(*args, **kwargs):
        mark("db_start")
        try:
            return insert(*args, **kwargs)
        finally:
            mark("db_end")

    emitter._insert_message = traced_insert
    appended = fragments.message_appended

    def traced_appended(message):
        mark("render_start")
        try:
            return appended(message)
        finally:
            mark("render_end")

    fragments.message_appended = traced_appended
    call_hook = session.call_hook

    async def traced_call_hook(fn, *args):
        mark("hook_" + getattr(fn, "__name__", "?"))
        return await call_hook(fn, *args)

    # Every module that calls the assistant's hooks holds its own name for call_hook.
    from chat.engine import app_hooks, profiles

    for module in (session, profiles, app_hooks):
        module.call_hook = traced_call_hook
    print("bench launcher: tracing frames", flush=True)


if __name__ == "__main__":
    apply()
    from daphne.cli import CommandLineInterface

    sys.argv = ["daphne", *sys.argv[1:]]
    CommandLineInterface.entrypoint()

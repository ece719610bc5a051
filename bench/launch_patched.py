#!/usr/bin/env python3
"""Diagnostics only: runs daphne like `python -m daphne ...` with experimental patches.

Used by `run.py --launcher bench/launch_patched.py` to test what the profiles point at,
without editing the product. Patches are chosen by BENCH_PATCHES (comma list):

  fragment-dispatch  ChatConsumer handles `chat.fragment` without channels'
                     per-message `aclose_old_connections()` (a hop to the single
                     sync_to_async thread, which with CONN_MAX_AGE=0 also closes the
                     database connection, so the next query reconnects)
  conn-max-age       keeps database connections open (CONN_MAX_AGE=None,
                     CONN_HEALTH_CHECKS=True) instead of the settings' 0
  flush-tail         flushes a stream's pending tokens before its final re-render
  clean-1s           InMemoryChannelLayer runs its expiry sweep (a loop over every channel
                     and group, on every send) at most once a second
  defer-flush        StreamBuffer.add pushes only the first token inline; later tokens go
                     out from the frame timer, so a busy loop sends fewer, fuller frames
                     (today a token that comes >30 ms after the last push is pushed
                     inline, alone: under load every token becomes a frame)
  switch-0.5ms       sys.setswitchinterval(0.0005): a thread waiting for the GIL (the
                     sync_to_async database thread) gets it 10x sooner (default 5 ms)

Never used for the figures in README.md's main table unless stated.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatproject.settings")
PATCHES = set(filter(None, os.environ.get("BENCH_PATCHES", "").split(",")))


def apply() -> None:
    import django

    django.setup()
    from django.conf import settings

    if "conn-max-age" in PATCHES:
        for db in settings.DATABASES.values():
            db["CONN_MAX_AGE"] = None
            db["CONN_HEALTH_CHECKS"] = True
        from django.db import connections

        for alias in connections:
            connections[alias].settings_dict["CONN_MAX_AGE"] = None
            connections[alias].settings_dict["CONN_HEALTH_CHECKS"] = True
    if "fragment-dispatch" in PATCHES:
        from chat.web.consumers import ChatConsumer

        original = ChatConsumer.dispatch

        async def dispatch(self, message):
            if message.get("type") == "chat.fragment":
                await self.chat_fragment(message)
                return
            await original(self, message)

        ChatConsumer.dispatch = dispatch
    if "flush-tail" in PATCHES:
        from chat.engine.emitter import Emitter

        original_end = Emitter.end_stream

        async def end_stream(self, message_id, status, content=None):
            stream = self.streams.get(message_id)
            if stream is not None:
                await stream.flush()
            await original_end(self, message_id, status, content)

        Emitter.end_stream = end_stream
    if "clean-1s" in PATCHES:
        import time

        from channels.layers import InMemoryChannelLayer

        sweep = InMemoryChannelLayer._clean_expired

        def throttled(self):
            now = time.monotonic()
            if now - getattr(self, "_bench_swept", 0.0) >= 1.0:
                self._bench_swept = now
                sweep(self)

        InMemoryChannelLayer._clean_expired = throttled
    if "defer-flush" in PATCHES:
        import asyncio
        import time

        from chat.engine.streaming import StreamBuffer

        async def add(self, token):
            if not token:
                return
            self.parts.append(token)
            self._text_cache = None
            if self._pushed_at == 0.0:
                await self.flush()  # the first token at once (time to first token)
            elif self._timer is None:
                wait = max(0.0, self._pushed_at + self._frame - time.monotonic())
                self._timer = asyncio.get_running_loop().call_later(wait, self._flush_later)

        StreamBuffer.add = add
    if "switch-0.5ms" in PATCHES:
        sys.setswitchinterval(0.0005)
    print(f"bench launcher: patches {sorted(PATCHES) or 'none'}", flush=True)


if __name__ == "__main__":
    apply()
    from daphne.cli import CommandLineInterface

    sys.argv = ["daphne", *sys.argv[1:]]
    CommandLineInterface.entrypoint()

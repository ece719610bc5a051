"""MCP tool calls: what the product adds around one, and what an open connection costs.

1. Overhead: the default assistant answers "call lookup_ticket" with a model (the local fake
   server) and the tracker MCP server over streamable HTTP, in a real chat session on SQLite.
   Timestamps are taken at the edges, in the product's process: the model's turn that asks
   for the tool returns -> the MCP request starts (`before`), the MCP result arrives -> the
   next model request starts (`after`), against the MCP round trip itself.
2. Memory: N connections opened in one process, over streamable HTTP and over stdio: the
   process's RSS growth per connection, and each stdio server's own memory (its process).

    .venv/bin/python bench/tool_calls.py --calls 30 --connections 20
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django(tmp: Path, tracker_url: str, llm_url: str, token: str) -> None:
    import json

    os.environ.update(
        DJANGO_SETTINGS_MODULE="chatproject.settings",
        DEBUG="1",
        DATABASE_URL=f"sqlite:///{tmp / 'bench.sqlite3'}",
        CHAT_VAR_DIR=str(tmp / "var"),
        CHAT_ASSISTANT="chat.assistants.default",
        CHAT_LLM_PROVIDER="openai",
        CHAT_LLM_BASE_URL=llm_url,
        CHAT_LLM_API_KEY="test-key",
        CHAT_LLM_MODEL="fake-model",
        CHAT_LLM_MAX_RETRIES="0",
        LOG_LEVEL="ERROR",
        CHAT_MESSAGE_RATE_LIMIT="",  # one person asks faster than the limit allows
        CHAT_MCP_SERVERS=json.dumps(
            [
                {
                    "name": "tracker",
                    "type": "streamable-http",
                    "url": tracker_url,
                    "headers": {"Authorization": f"Bearer {token}"},
                }
            ]
        ),
    )
    os.environ.pop("REDIS_URL", None)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


async def idle(session) -> None:
    """Until no hook of the session is queued or running (as the tests' driver waits)."""
    while session._pending:  # noqa: ASYNC110 (the session exposes no event for it)
        await asyncio.sleep(0.005)


async def overhead(calls: int) -> dict[str, list[float]]:
    from mcp import ClientSession

    from chat.engine.assistant import load
    from chat.engine.session import ChatSession
    from chat.llm import openai_chat
    from tests.factories import make_thread, make_user

    marks: list[tuple[str, float]] = []
    original_call = ClientSession.call_tool
    original_turn = openai_chat.OpenAIModel.turn

    async def call_tool(self, *args, **kwargs):
        marks.append(("mcp_start", time.perf_counter()))
        try:
            return await original_call(self, *args, **kwargs)
        finally:
            marks.append(("mcp_end", time.perf_counter()))

    async def turn(self, *args, **kwargs):
        marks.append(("model_start", time.perf_counter()))
        try:
            return await original_turn(self, *args, **kwargs)
        finally:
            marks.append(("model_end", time.perf_counter()))

    ClientSession.call_tool = call_tool
    openai_chat.OpenAIModel.turn = turn
    load("chat.assistants.default", force=True)
    from asgiref.sync import sync_to_async

    user = await sync_to_async(make_user)()
    thread = await sync_to_async(make_thread)(user)
    from chat.models import Thread

    session = ChatSession(await Thread.objects.aget(pk=thread.pk), user)
    await session.open()
    await idle(session)
    figures: dict[str, list[float]] = {"before_ms": [], "after_ms": [], "round_trip_ms": []}
    for n in range(calls + 2):
        marks.clear()
        await session.receive_message("Please call lookup_ticket", f"bench-{n}")
        await idle(session)
        kinds = [k for k, _ in marks]
        at = dict(marks[: kinds.index("mcp_end") + 1])
        next_model = next(t for k, t in marks[kinds.index("mcp_end") :] if k == "model_start")
        if n < 2:
            continue  # warm-up: first imports, first connections
        figures["before_ms"].append((at["mcp_start"] - at["model_end"]) * 1000)
        figures["after_ms"].append((next_model - at["mcp_end"]) * 1000)
        figures["round_trip_ms"].append((at["mcp_end"] - at["mcp_start"]) * 1000)
    await session.close()
    return figures


async def memory(connections: int, tracker_url: str, token: str) -> dict[str, float]:
    from chat.mcp.connections import from_dict
    from chat.mcp.link import McpLink
    from tests.mcp_server.process import STDIO_COMMAND

    me = psutil.Process()
    results: dict[str, float] = {}
    for kind in ("streamable-http", "stdio"):
        if kind == "stdio":
            definition = {
                "type": "stdio",
                "command": STDIO_COMMAND[0],
                "args": list(STDIO_COMMAND[1:]),
            }
        else:
            definition = {
                "type": kind,
                "url": tracker_url,
                "headers": {"Authorization": f"Bearer {token}"},
            }
        # One first, so that imports and pools are not counted as the connections' cost.
        warm = await McpLink.open(
            from_dict({"name": "warm", **definition}), connect_timeout=30, call_timeout=30
        )
        before = me.memory_info().rss
        links = []
        for n in range(connections):
            links.append(
                await McpLink.open(
                    from_dict({"name": f"c{n}", **definition}), connect_timeout=30, call_timeout=30
                )
            )
        after = me.memory_info().rss
        results[f"{kind}_web_process_kib_per_connection"] = (after - before) / connections / 1024
        if kind == "stdio":
            children = [c for c in me.children() if "stdio" in c.cmdline()]
            uss = [c.memory_full_info().uss for c in children]
            results["stdio_server_process_mib_each"] = statistics.median(uss) / 2**20
        for link in [warm, *links]:
            await link.close()
    return results


def summary(values: list[float]) -> str:
    q = statistics.quantiles(values, n=20)
    return f"median {statistics.median(values):.2f}, p95 {q[18]:.2f} (n={len(values)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--connections", type=int, default=20)
    args = parser.parse_args()

    from tests.fake_llm import FakeLLMServer
    from tests.mcp_server import start_server
    from tests.mcp_server.fixtures import TOKEN

    tracker = start_server("streamable-http", TOKEN)
    fake = FakeLLMServer(token_delay=0).start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            setup_django(Path(tmp), tracker.url, fake.openai_url, TOKEN)
            figures = asyncio.run(overhead(args.calls))
            print("model's tool call -> MCP request, ms:", summary(figures["before_ms"]))
            print("MCP result -> next model request, ms:", summary(figures["after_ms"]))
            print("MCP round trip itself, ms:", summary(figures["round_trip_ms"]))
            for name, value in asyncio.run(memory(args.connections, tracker.url, TOKEN)).items():
                print(f"{name}: {value:.1f}")
    finally:
        fake.stop()
        tracker.stop()


if __name__ == "__main__":
    main()

"""One MCP connection against the real tracker server: open, call, time out, close."""

from __future__ import annotations

import asyncio

import psutil
import pytest

from chat.mcp.connections import from_dict
from chat.mcp.link import McpCallError, McpConnectError, McpLink
from tests.mcp_server.fixtures import http_definition, stdio_definition


async def open_link(definition: dict, *, call_timeout: float = 10) -> McpLink:
    return await McpLink.open(from_dict(definition), connect_timeout=10, call_timeout=call_timeout)


async def test_a_link_lists_the_tools_and_calls_one(sse_tracker):
    link = await open_link(http_definition(sse_tracker))
    try:
        assert {t.name for t in link.tools} == {
            "lookup_ticket",
            "slow_report",
            "broken_tool",
            "huge_output",
        }
        result = await link.call_tool("lookup_ticket", {"ticket_id": "T-1"})
        assert result.content[0].text.startswith("Ticket T-1: Printer")
    finally:
        await link.close()
    assert not link.alive


async def test_a_slow_call_ends_at_the_timeout(http_tracker):
    link = await open_link(http_definition(http_tracker), call_timeout=1)
    try:
        with pytest.raises(McpCallError, match="did not answer within 1 s"):
            await link.call_tool("slow_report", {"seconds": 30})
        # The connection is still good for the next call.
        assert not (await link.call_tool("lookup_ticket", {})).isError
    finally:
        await link.close()


async def test_a_server_gone_mid_call_ends_the_call():
    link = await open_link(stdio_definition(), call_timeout=60)
    try:
        call = asyncio.create_task(link.call_tool("slow_report", {"seconds": 60}))
        await asyncio.sleep(0.5)
        [child] = [p for p in psutil.Process().children() if "stdio" in p.cmdline()]
        child.kill()
        with pytest.raises(McpCallError):
            await asyncio.wait_for(call, 30)
    finally:
        await link.close()


async def test_closing_through_the_exit_stack_from_another_task_ends_the_server():
    link = await open_link(stdio_definition())
    await asyncio.create_task(link.exit_stack.aclose())
    assert not link.alive


async def test_a_refused_connection_says_why():
    with pytest.raises(McpConnectError):
        await McpLink.open(
            from_dict({"name": "x", "type": "sse", "url": "http://127.0.0.1:9/sse"}),
            connect_timeout=3,
            call_timeout=3,
        )


@pytest.mark.parametrize("transport", ["streamable-http", "sse"])
async def test_a_pinned_link_reaches_the_checked_address_whatever_the_name_resolves_to(
    transport, request
):
    # "tracker.invalid" resolves nowhere: every request must go to the pinned address.
    server = request.getfixturevalue("sse_tracker" if transport == "sse" else "http_tracker")
    definition = http_definition(server)
    definition["url"] = definition["url"].replace("127.0.0.1", "tracker.invalid")
    link = await McpLink.open(
        from_dict(definition), connect_timeout=10, call_timeout=10, pin="127.0.0.1"
    )
    try:
        assert not (await link.call_tool("lookup_ticket", {})).isError
    finally:
        await link.close()

"""The tracker: a FastMCP server with a quick tool, a slow one and one that fails.

Run as `python tests/mcp_server/server.py stdio` or
`python tests/mcp_server/server.py streamable-http|sse PORT [TOKEN]`; with a TOKEN, HTTP
requests without `Authorization: Bearer TOKEN` are refused (401).
"""

from __future__ import annotations

import asyncio
import sys

from mcp.server.fastmcp import FastMCP
from mcp.server.transport_security import TransportSecuritySettings

TICKETS = {
    "T-1": "Printer on floor 3 is jammed (open, assigned to Facilities)",
    "T-2": "VPN drops every hour (closed)",
}

# The SDK's own check of the Host header stays on: "tracker.invalid" is the name the tests
# give 127.0.0.1 (a connection pinned to the address checked keeps the name it was given).
server = FastMCP(
    "tracker",
    host="127.0.0.1",
    log_level="WARNING",
    transport_security=TransportSecuritySettings(
        allowed_hosts=["127.0.0.1:*", "localhost:*", "tracker.invalid:*"],
        allowed_origins=["http://127.0.0.1:*", "http://localhost:*"],
    ),
)


@server.tool()
def lookup_ticket(ticket_id: str = "T-1") -> str:
    """Looks up a ticket of the company's tracker by its id."""
    return f"Ticket {ticket_id}: {TICKETS.get(ticket_id, 'no such ticket')}"


@server.tool()
async def slow_report(seconds: float = 30.0) -> str:
    """Builds a report; takes a while."""
    await asyncio.sleep(seconds)
    return f"Report ready after {seconds:g} s"


@server.tool()
def broken_tool() -> str:
    """Always fails, as a tool whose backend is down."""
    raise RuntimeError("the tracker's database is down")


@server.tool()
def huge_output(size: int = 200_000) -> str:
    """Returns `size` characters."""
    return "x" * size


def _guarded(app, token: str):
    async def guard(scope, receive, send):
        if scope["type"] == "http":
            headers = dict(scope.get("headers") or [])
            if headers.get(b"authorization", b"").decode() != f"Bearer {token}":
                await send({"type": "http.response.start", "status": 401, "headers": []})
                await send({"type": "http.response.body", "body": b"unauthorised"})
                return
        await app(scope, receive, send)

    return guard


def main(argv: list[str]) -> None:
    transport = argv[1]
    if transport == "stdio":
        server.run("stdio")
        return
    import uvicorn

    port = int(argv[2])
    token = argv[3] if len(argv) > 3 else ""
    app = server.streamable_http_app() if transport == "streamable-http" else server.sse_app()
    if token:
        app = _guarded(app, token)
    print(f"MCP tracker serving {transport} on {port}", flush=True)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")


if __name__ == "__main__":
    main(sys.argv)

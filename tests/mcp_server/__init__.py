"""A real MCP server (the `mcp` SDK's FastMCP) for tests, on 127.0.0.1 or over stdio."""

from tests.mcp_server.process import McpServerProcess, start_server

__all__ = ["McpServerProcess", "start_server"]

from tests.mcp_server.fixtures import http_tracker, sse_tracker  # noqa: F401 (fixtures)

"""Sockets on the real application, for engine behaviour seen through a tab."""

from tests.chat.web.test_consumers import connect, tab  # noqa: F401 (fixtures, shared)
from tests.mcp_server.fixtures import (  # noqa: F401 (fixtures, shared)
    http_tracker,
    sse_tracker,
    tracker_definition,
)

"""Sockets on the real application, for engine behaviour seen through a tab."""

from tests.chat.web.test_consumers import connect, tab  # noqa: F401 (fixtures, shared)

"""Sockets on the real application, for engine behaviour seen through a tab."""

import pytest
from asgiref.sync import SyncToAsync

from chat.engine import sign_in_checks
from tests.chat.web.test_consumers import connect, tab  # noqa: F401 (fixtures, shared)
from tests.mcp_server.fixtures import (  # noqa: F401 (fixtures, shared)
    http_tracker,
    sse_tracker,
    tracker_definition,
)


@pytest.fixture
def full_checks(monkeypatch) -> list[int]:
    """The sizes of the full checks made, in order (the real check runs)."""
    sizes: list[int] = []
    real = sign_in_checks.ended

    def counted(claims):
        sizes.append(len(claims))
        return real(claims)

    monkeypatch.setattr(sign_in_checks, "ended", counted)
    return sizes


@pytest.fixture
def trips(monkeypatch) -> list[str]:
    """The calls made into Django's database thread, by name."""
    made: list[str] = []
    call = SyncToAsync.__call__

    def counting(self, *args, **kwargs):
        if self._thread_sensitive:
            made.append(getattr(self.func, "__name__", type(self.func).__name__))
        return call(self, *args, **kwargs)

    monkeypatch.setattr(SyncToAsync, "__call__", counting)
    return made

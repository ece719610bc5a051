"""How often a socket's frames tidy the database connections.

Channels closes unusable or expired connections before every frame it hands a consumer:
a trip to the database thread, ahead of the message the user just sent. Django's own
per-request tidy-up has nothing to do for a kept connection (CONN_MAX_AGE unset) that
saw no error, so once a second is enough to replace a broken one. A connection that must
close after each use (CONN_MAX_AGE=0, behind a transaction pooler) is tidied every frame.
"""

from __future__ import annotations

import time

from django.db import connections

TIDY_EVERY_SECONDS = 1.0

_last_tidy = float("-inf")


def tidy_due(now: float | None = None) -> bool:
    """Whether this frame should tidy the connections first; counts it as done if so."""
    global _last_tidy
    if any(connections[alias].settings_dict["CONN_MAX_AGE"] == 0 for alias in connections):
        return True
    now = time.monotonic() if now is None else now
    if now - _last_tidy < TIDY_EVERY_SECONDS:
        return False
    _last_tidy = now
    return True

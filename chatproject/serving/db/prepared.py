"""A cursor for the statements every message sends: prepared once per connection where the
database supports it (PostgreSQL, see serving.db.postgresql), Django's own elsewhere."""

from __future__ import annotations

from django.db import connection
from django.db.backends.utils import CursorWrapper


def prepared_cursor() -> CursorWrapper:
    """The default connection's cursor for a statement whose text is the same each time
    (names written in, values as parameters)."""
    prepared = getattr(connection, "prepared_cursor", None)
    return prepared() if prepared is not None else connection.cursor()

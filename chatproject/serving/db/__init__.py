"""Django's SQLite and PostgreSQL backends, keeping DEBUG's per-query log only when asked.

With DEBUG on, Django records every query in memory (the last 9,000 per connection) and,
on SQLite, runs a second query for each one to print its parameters. A chat server runs
several per message and more per streamed answer, so the log costs about a tenth of its
time: it is kept with DEBUG_SQL=1 (and always where tests capture queries).

Measured by `bench/run.py --env DEBUG=1 --phases b,c`, with and without `--env DEBUG_SQL=1`.
"""

from __future__ import annotations

from django.conf import settings


class QueryLogOnRequest:
    force_debug_cursor: bool

    @property
    def queries_logged(self) -> bool:
        return self.force_debug_cursor or (settings.DEBUG and settings.DEBUG_SQL)


# The ENGINE to use for each of Django's own.
ENGINES = {
    "django.db.backends.sqlite3": "chatproject.serving.db.sqlite3",
    "django.db.backends.postgresql": "chatproject.serving.db.postgresql",
}

"""SQLite, as Django's, with the query log of DEBUG only on request (see chatproject.serving.db),
and each statement's placeholders rewritten once.

Django's SQLite cursor rewrites every statement's `%s` into sqlite3's `?` before running it,
through a lazily compiled pattern, on the database thread where the event loop waits for
the GIL; the statements a message sends are the same text each time, so each is rewritten
once (`bench/message_cost.py`, db_py_calls).
"""

import functools

from django.db.backends.sqlite3 import base

from chatproject.serving.db import QueryLogOnRequest


@functools.lru_cache(maxsize=1024)
def _qmark(query: str) -> str:
    return base.FORMAT_QMARK_REGEX.sub("?", query).replace("%%", "%")


class SQLiteCursorWrapper(base.SQLiteCursorWrapper):
    def convert_query(self, query, *, param_names=None):
        if param_names is None:
            return _qmark(query)
        return super().convert_query(query, param_names=param_names)


class DatabaseWrapper(QueryLogOnRequest, base.DatabaseWrapper):
    def create_cursor(self, name=None):
        return self.connection.cursor(factory=SQLiteCursorWrapper)

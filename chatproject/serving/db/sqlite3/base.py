"""SQLite, as Django's, with the query log of DEBUG only on request (see chatproject.serving.db)."""

from django.db.backends.sqlite3 import base

from chatproject.serving.db import QueryLogOnRequest


class DatabaseWrapper(QueryLogOnRequest, base.DatabaseWrapper):
    pass

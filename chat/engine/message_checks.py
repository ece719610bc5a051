"""What a person's new message is checked against before it is stored, read in one
statement: whether a quota may hold for them, the thread's open question, and (once
stored, the message is shown with its star) whether its words are one of the owner's
favorites.

Each was a statement of its own, so a round trip each to PostgreSQL before the message's
own, and the star one after it; together they are one (bench/README.md, "The echo on the
production stack", and "Services: the question's star with its checks").
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from django.db import connection, connections

from chat.engine import asks
from chat.models import Message
from chat.threads import stars
from chat.usage import quotas
from chatproject.serving.db.prepared import prepared_cursor


@dataclass(frozen=True)
class Checks:
    any_quota: bool  # a quota names the person or one of their groups
    pending_kind: str | None  # the kind of the thread's open question, if any
    starred: bool  # its words are one of the thread owner's favorites (its star pressed)


def read(user_id: Any, thread_id: Any, content: str) -> Checks:
    """The checks of a new message whose words, as stored, are `content`."""
    quota_sql, quota_params = quotas.any_quota_query(user_id)
    ask_sql, ask_params = asks.recent_assistant_metadata_query(thread_id)
    star_sql, star_params = stars.owners_favorite_query(thread_id, content)
    sql = _sql(connection.alias, quota_sql, star_sql, ask_sql)
    with prepared_cursor() as cursor:
        cursor.execute(sql, [*quota_params, *star_params, *ask_params])
        rows = cursor.fetchall()
    recent = [
        asks.metadata_from_db(metadata)
        for _found, _starred, metadata, order in rows
        if order is not None
    ]
    return Checks(
        any_quota=rows[0][0] is not None,
        pending_kind=asks.pending_kind_among(recent),
        starred=rows[0][1] is not None,
    )


@functools.lru_cache(maxsize=16)
def _sql(alias: str, quota_sql: str, star_sql: str, ask_sql: str) -> str:
    """The checks' statement, written out once per database."""
    order = connections[alias].ops.quote_name(
        Message._meta.get_field("order").column  # the second column of ask_sql
    )
    # One row at least (the one-row base), one per recent assistant message at most (the
    # quota's and the star's subqueries give one row at most).
    return (
        f"SELECT q.found, s.starred, m.* FROM (SELECT 1 AS one) base "  # noqa: S608 (model names)
        f"LEFT JOIN ({quota_sql}) q ON 1 = 1 "
        f"LEFT JOIN (SELECT 1 AS starred FROM ({star_sql}) favorite) s ON 1 = 1 "
        f"LEFT JOIN ({ask_sql}) m ON 1 = 1 ORDER BY m.{order} DESC"
    )

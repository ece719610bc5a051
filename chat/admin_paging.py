"""Paging the admin's long lists without counting every row.

At a hundred thousand threads or a million messages, an exact COUNT costs more than the
page it is for (0.2 to 0.7 s on PostgreSQL, the whole table or an EXISTS per thread). A
list counts exactly up to EXACT_UP_TO rows, which stops early; past that, on PostgreSQL,
the total is the planner's estimate for the same query (from pg_class.reltuples and the
columns' statistics, no rows read), and the page says "about".
"""

from __future__ import annotations

import json
from typing import Any

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property

EXACT_UP_TO = 1000


def planner_estimate(rows: QuerySet) -> int | None:
    """How many rows PostgreSQL expects the query to return; None elsewhere."""
    connection = connections[rows.db]
    if connection.vendor != "postgresql":
        return None
    sql, params = rows.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan: Any = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


class EstimatingPaginator(Paginator):
    """Exact up to EXACT_UP_TO rows, the planner's estimate beyond (PostgreSQL only)."""

    estimated = False

    @cached_property
    def count(self) -> int:
        rows = self.object_list
        if not isinstance(rows, QuerySet):
            return super().count
        # Only the ids: the per-row columns shown in the list need not be computed to count.
        # Unordered, so that PostgreSQL may stop at any EXACT_UP_TO rows, not the newest.
        counted = rows.order_by().values("pk")[: EXACT_UP_TO + 1].count()
        if counted <= EXACT_UP_TO:
            return counted
        estimate = planner_estimate(rows)
        if estimate is None:
            return rows.count()
        self.estimated = True
        return max(estimate, counted)

    def validate_number(self, number: Any) -> int:
        # An estimate may be short of the real total: the pages after it are still served
        # (an empty page past the real end, rather than an error).
        if not self.estimated:
            return super().validate_number(number)
        try:
            return max(1, int(number))
        except (TypeError, ValueError):
            return super().validate_number(number)

    def page(self, number: Any) -> Any:
        if not self.estimated:
            return super().page(number)
        # Not cut at the estimated total, which may fall short of the rows there are.
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        return self._get_page(self.object_list[bottom : bottom + self.per_page], number, self)


class CappedPaginator(Paginator):
    """Counts no further than CAP rows (the pages stop there too): for a broad search over
    every conversation, the exact number costs a walk through all of them and tells a
    reviewer little. The search box's help says so."""

    CAP = 1000

    @cached_property
    def count(self) -> int:
        return self.object_list.order_by().values("pk")[: self.CAP].count()

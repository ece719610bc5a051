"""The usage dashboard's numbers, all from the daily rows (UsageDay): totals, a series by
day, week or month, a breakdown by person, group, chat profile or model, the top and the
fastest-growing users. Each is one query, whatever the range."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from chat.models import UsageDay

BUCKETS = ("day", "week", "month")
BREAKDOWNS = ("user", "group", "profile", "model")
MAX_DAYS = 366
TOP = 10

KEYS = {
    "user": "user__email",
    "group": "user__groups__name",
    "profile": "chat_profile",
    "model": "model",
}


class BadFilter(ValueError):
    """A filter the dashboard cannot use, said in words for the page."""


@dataclass
class Filters:
    first: date
    last: date
    bucket: str = "day"
    by: str = "user"
    group: Group | None = None

    @property
    def previous_first(self) -> date:
        return self.first - (self.last - self.first) - timedelta(days=1)

    def query(self) -> dict[str, str]:
        """The filters as URL parameters (for the CSV link and the form)."""
        params = {
            "from": self.first.isoformat(),
            "to": self.last.isoformat(),
            "bucket": self.bucket,
            "by": self.by,
        }
        if self.group is not None:
            params["group"] = str(self.group.pk)
        return params


def parse(params: Any, groups: list[Group]) -> Filters:
    today = timezone.localdate()
    try:
        last = parse_date(params.get("to") or "") or today
        first = parse_date(params.get("from") or "") or last - timedelta(days=29)
    except ValueError as error:
        raise BadFilter(_("Dates are written as YYYY-MM-DD.")) from error
    if first > last:
        raise BadFilter(_("The start of the period comes after its end."))
    if (last - first).days >= MAX_DAYS:
        raise BadFilter(_("Choose a period of at most %(days)s days.") % {"days": MAX_DAYS})
    bucket = params.get("bucket") or "day"
    by = params.get("by") or "user"
    if bucket not in BUCKETS or by not in BREAKDOWNS:
        raise BadFilter(_("Unknown grouping."))
    group = None
    if params.get("group"):
        group = next((g for g in groups if str(g.pk) == params["group"]), None)
        if group is None:
            raise BadFilter(_("Unknown group."))
    return Filters(first, last, bucket, by, group)


def _metrics() -> dict[str, Any]:
    return {
        "active_users": Count("user_id", distinct=True, filter=Q(messages__gt=0) | Q(calls__gt=0)),
        "conversations": Sum("conversations", default=0),
        "messages": Sum("messages", default=0),
        "calls": Sum("calls", default=0),
        "tokens": Sum(F("input_tokens") + F("output_tokens"), default=0),
        "cost": Sum("cost", default=Decimal(0)),
        "unpriced_calls": Sum("unpriced_calls", default=0),
        "rated_good": Sum("rated_good", default=0),
        "rated_bad": Sum("rated_bad", default=0),
        "errors": Sum("errors", default=0),
    }


def _rows(filters: Filters, first: date | None = None) -> QuerySet[UsageDay]:
    rows = UsageDay.objects.filter(day__gte=first or filters.first, day__lte=filters.last)
    if filters.group is not None:
        rows = rows.filter(user__groups=filters.group)
    return rows


def _bucketed(rows: QuerySet[UsageDay], bucket: str) -> QuerySet[UsageDay]:
    if bucket == "week":
        return rows.annotate(bucket=TruncWeek("day"))
    if bucket == "month":
        return rows.annotate(bucket=TruncMonth("day"))
    return rows.annotate(bucket=F("day"))


def _as_date(value: Any) -> date:
    return value.date() if hasattr(value, "date") and callable(value.date) else value


def bucket_starts(filters: Filters) -> list[date]:
    """The first day of each day, week (Monday) or month the range touches."""
    starts: list[date] = []
    if filters.bucket == "week":
        day = filters.first - timedelta(days=filters.first.weekday())
        while day <= filters.last:
            starts.append(day)
            day += timedelta(days=7)
    elif filters.bucket == "month":
        day = filters.first.replace(day=1)
        while day <= filters.last:
            starts.append(day)
            day = (day + timedelta(days=32)).replace(day=1)
    else:
        day = filters.first
        while day <= filters.last:
            starts.append(day)
            day += timedelta(days=1)
    return starts


@dataclass
class Report:
    filters: Filters
    totals: dict[str, Any]
    series: list[dict[str, Any]]
    breakdown: list[dict[str, Any]]
    top_users: list[dict[str, Any]]
    growing: list[dict[str, Any]]
    groups: list[Group] = field(default_factory=list)


def report(filters: Filters, groups: list[Group]) -> Report:
    rows = _rows(filters)
    totals = rows.aggregate(**_metrics())
    found = {
        _as_date(point["bucket"]): point
        for point in _bucketed(rows, filters.bucket).values("bucket").annotate(**_metrics())
    }
    # Every period of the range, an empty one as zeros: a gap in use shows as a gap.
    empty = dict.fromkeys(_metrics(), 0)
    series = [found.get(start, {**empty, "bucket": start}) for start in bucket_starts(filters)]
    key = KEYS[filters.by]
    breakdown = list(
        rows.values(key)
        .annotate(key=F(key), **_metrics())
        .values("key", *_metrics())
        .order_by("-tokens", "key")[:200]
    )
    top_users = list(
        rows.filter(user__isnull=False)
        .values("user__email")
        .annotate(**_metrics())
        .order_by("-tokens", "user__email")[:TOP]
    )
    # Growth: tokens in the period against the period of the same length just before it.
    growing = list(
        _rows(filters, first=filters.previous_first)
        .filter(user__isnull=False)
        .values("user__email")
        .annotate(
            now=Sum(
                F("input_tokens") + F("output_tokens"), filter=Q(day__gte=filters.first), default=0
            ),
            before=Sum(
                F("input_tokens") + F("output_tokens"), filter=Q(day__lt=filters.first), default=0
            ),
        )
        .annotate(growth=F("now") - F("before"))
        .filter(growth__gt=0)
        .order_by("-growth", "user__email")[:TOP]
    )
    return Report(filters, totals, series, breakdown, top_users, growing, groups)


def csv_rows(filters: Filters) -> list[dict[str, Any]]:
    """Per period and per breakdown key: every number of the table."""
    key = KEYS[filters.by]
    return list(
        _bucketed(_rows(filters), filters.bucket)
        .values("bucket", key)
        .annotate(key=F(key), **_metrics())
        .values("bucket", "key", *_metrics())
        .order_by("bucket", "key")
    )

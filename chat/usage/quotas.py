"""The quotas a person is held to: their own, or the most generous of their groups'.

Admission runs under a row lock on the person's counters, so that answers asked at once
in many processes are admitted one after another. An answer is admitted while what was
used, plus what the answers still running may add (each as much as the period's largest
answer), stays under the limit: however many answers start together, the total passes
the limit by at most one answer. Before a first answer of the period is known, only one
answer runs at a time. A running answer always finishes.
"""

from __future__ import annotations

import calendar
import functools
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from chat.errors import UserFacingError
from chat.models import AnswerReservation, Quota, QuotaLift, UsageCounter
from chat.usage.recording import AnswerUsage, counter, period_start
from chatproject.serving.db.prepared import prepared_cursor

# The warning comes at 80 %: used * 5 >= limit * 4 (no Decimal made at import, which would
# leave a decimal context set in every request's context).
WARN_NUMERATOR, WARN_DENOMINATOR = 4, 5


class QuotaExceeded(UserFacingError):
    # The question is not stored: the page puts it back in the composer.
    keeps_draft = True


class RunRefused(UserFacingError):
    """A used-up limit refuses a run that carries no draft (a button, an edit)."""


@dataclass(frozen=True)
class Limit:
    period: str
    metric: str
    limit: Decimal

    def used(self, row: UsageCounter) -> Decimal:
        return Decimal(row.tokens) if self.metric == Quota.Metric.TOKENS else row.cost

    def largest_answer(self, row: UsageCounter) -> Decimal:
        if self.metric == Quota.Metric.TOKENS:
            return Decimal(row.largest_answer_tokens)
        return row.largest_answer_cost


def limits_for(user: Any, *, any_quota: bool | None = None) -> list[Limit]:
    """The limits that hold for the person: per period and metric, their own quota if they
    have one, else the most generous of their groups' quotas. `any_quota`: what
    any_quota_query answered, when the caller read it with other things."""
    if getattr(user, "pk", None) is None:
        return []  # no one to count for (an anonymous copilot visitor)
    if not (_any_quota(user.pk) if any_quota is None else any_quota):
        return []
    own: dict[tuple[str, str], Decimal] = {}
    groups: dict[tuple[str, str], Decimal] = {}
    rows = Quota.objects.filter(user_id=user.pk) | Quota.objects.filter(group__user__id=user.pk)
    for quota in rows.distinct():
        key = (quota.period, quota.metric)
        if quota.user_id is not None:
            own[key] = quota.limit
        else:
            groups[key] = max(groups.get(key, quota.limit), quota.limit)
    merged = {**groups, **own}
    return [Limit(period, metric, limit) for (period, metric), limit in sorted(merged.items())]


def _any_quota(user_id: Any) -> bool:
    """Whether a quota names the person or one of their groups."""
    sql, params = any_quota_query(user_id)
    with prepared_cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone() is not None


def any_quota_query(user_id: Any) -> tuple[str, list[Any]]:
    """A statement giving a row when a quota names the person or one of their groups.

    Asked before every message, and most people have none: written out once (a tenth of
    the time of building it through the ORM), and open to be read with other checks."""
    return _any_quota_sql(connection.alias), [user_id, user_id]


@functools.cache
def _any_quota_sql(alias: str) -> str:
    quota = Quota._meta
    member = Quota._meta.get_field("group").related_model.user_set.through._meta
    quote = connections[alias].ops.quote_name
    table, user_col = quote(quota.db_table), quote(quota.get_field("user").column)
    group_col = quote(quota.get_field("group").column)
    members = quote(member.db_table)
    member_user, member_group = (
        quote(field.column) for field in (member.get_field("user"), member.get_field("group"))
    )
    # Names from the models, values as parameters.
    return (
        f"SELECT 1 AS found FROM {table} WHERE {user_col} = %s OR {group_col} IN "  # noqa: S608
        f"(SELECT {member_group} FROM {members} WHERE {member_user} = %s) LIMIT 1"
    )


def lifted(user: Any, day: date | None = None) -> bool:
    """Whether staff lifted the person's limits for the day (today)."""
    return QuotaLift.objects.filter(user_id=user.pk, day=day or timezone.localdate()).exists()


def resets_at(period: str, day: date) -> datetime:
    """When the period holding `day` ends, in the site's time zone."""
    start = period_start(period, day)
    if period == Quota.Period.DAY:
        end = start + timedelta(days=1)
    else:
        end = start + timedelta(days=calendar.monthrange(start.year, start.month)[1])
    return timezone.make_aware(datetime.combine(end, time.min))


def _amount(limit: Limit, value: Decimal) -> str:
    if limit.metric == Quota.Metric.TOKENS:
        count = int(value)
        return ngettext("%(count)s token", "%(count)s tokens", count) % {
            "count": formats.number_format(count, force_grouping=True)
        }
    return f"{formats.number_format(value, 2, force_grouping=True)} {settings.CHAT_COST_CURRENCY}"


def _allowance(limit: Limit) -> str:
    if limit.period == Quota.Period.DAY:
        return _("daily allowance of %(amount)s") % {"amount": _amount(limit, limit.limit)}
    return _("monthly allowance of %(amount)s") % {"amount": _amount(limit, limit.limit)}


def _contact() -> str:
    return settings.CHAT_QUOTA_CONTACT or _("an administrator")


def refusal(limit: Limit, day: date) -> str:
    reset = formats.date_format(timezone.localtime(resets_at(limit.period, day)), "DATETIME_FORMAT")
    return _(
        "You have used your %(allowance)s. Your question was not sent: you can ask again "
        "after %(reset)s (%(zone)s). To have the limit raised, ask %(contact)s."
    ) % {
        "allowance": _allowance(limit),
        "reset": reset,
        "zone": timezone.get_current_timezone_name(),
        "contact": _contact(),
    }


def busy(limit: Limit) -> str:
    return _(
        "The answers you are waiting for may use the rest of your %(allowance)s. Your "
        "question was not sent: ask again when they have finished."
    ) % {"allowance": _allowance(limit)}


def warning(limit: Limit, used: Decimal) -> str:
    percent = int(used * 100 / limit.limit) if limit.limit else 100
    return _(
        "You have used %(percent)s%% of your %(allowance)s. When it is used up, new "
        "questions wait until it resets."
    ) % {"percent": min(percent, 100), "allowance": _allowance(limit)}


def _first_warning(limit: Limit, row: UsageCounter) -> str | None:
    """The 80 % warning, the first time only (the counter remembers it was given)."""
    used = limit.used(row)
    if used * WARN_DENOMINATOR < limit.limit * WARN_NUMERATOR or used >= limit.limit:
        return None
    if UsageCounter.objects.filter(pk=row.pk, warned=False).update(warned=True):
        return warning(limit, used)
    return None


def _reservations(user: Any) -> int:
    since = timezone.now() - timedelta(minutes=settings.CHAT_QUOTA_RESERVATION_MINUTES)
    return AnswerReservation.objects.filter(user_id=user.pk, created_at__gte=since).count()


def admit(user: Any, *, any_quota: bool | None = None) -> tuple[AnswerUsage | None, str | None]:
    """Lets one more answer of the person start, or raises QuotaExceeded.

    Returns the answer's usage to fill (None when no limit holds) and a warning to show
    once, if one is due. `any_quota` as for limits_for.
    """
    limits = limits_for(user, any_quota=any_quota)
    today = timezone.localdate()
    if not limits or lifted(user, today):
        return None, None
    periods = sorted({limit.period for limit in limits})
    ids = [counter(user.pk, period, today).pk for period in periods]
    with transaction.atomic():
        # Locked in one order (by id) in every process: no deadlock between two admissions.
        rows = {
            row.period: row
            for row in UsageCounter.objects.select_for_update().filter(pk__in=ids).order_by("pk")
        }
        running = _reservations(user)
        for limit in limits:
            row = rows[limit.period]
            used = limit.used(row)
            if used >= limit.limit:
                raise QuotaExceeded(refusal(limit, today))
            if running:
                largest = limit.largest_answer(row)
                if not largest or used + running * largest >= limit.limit:
                    raise QuotaExceeded(busy(limit))
        reservation = AnswerReservation.objects.create(user_id=user.pk)
    warnings = [w for limit in limits if (w := _first_warning(limit, rows[limit.period]))]
    return AnswerUsage(reservation_id=reservation.pk), (warnings[0] if warnings else None)


class Admission:
    """A question's admission, made inside the database call that stores the question. The
    call may be made again: after a lost connection, an admission made on its own was
    committed and stands; one made inside a transaction shared with other writes (see
    chat.engine.shared_trips) was rolled back with it, so it is made again."""

    def __init__(self) -> None:
        self.outcome: tuple[AnswerUsage | None, str | None] | None = None
        self._with_others = False

    def admit(self, user: Any, *, any_quota: bool | None = None) -> None:
        if self.outcome is not None and not self._with_others:
            return
        self._with_others = connection.in_atomic_block
        self.outcome = admit(user, any_quota=any_quota)


def release(user: Any, answer: AnswerUsage) -> str | None:
    """The answer ended: its reservation goes, its size is remembered, and the 80 %
    warning is returned if this answer crossed it."""
    AnswerReservation.objects.filter(pk=answer.reservation_id).delete()
    today = timezone.localdate()
    limits = limits_for(user)
    shown = None
    for period in sorted({limit.period for limit in limits}):
        row = counter(user.pk, period, today)
        UsageCounter.objects.filter(pk=row.pk).update(
            largest_answer_tokens=Greatest(F("largest_answer_tokens"), answer.tokens),
            largest_answer_cost=Greatest(F("largest_answer_cost"), answer.cost),
        )
        row.refresh_from_db()
        for limit in limits:
            if limit.period == period and shown is None:
                shown = _first_warning(limit, row)
    return shown


def check(user: Any) -> None:
    """Refuses a run that is not a new question (a button, an edit, a regeneration) when a
    limit is used up; such runs are counted but not reserved for."""
    limits = limits_for(user)
    today = timezone.localdate()
    if not limits or lifted(user, today):
        return
    for limit in limits:
        row = counter(user.pk, limit.period, today)
        if limit.used(row) >= limit.limit:
            raise RunRefused(refusal(limit, today))

"""The admin's pages for model usage and quotas: every call with its cost, the quotas of
people and groups, and the days on which staff lifted a person's limits."""

from __future__ import annotations

import csv
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import formats
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from chat import audit
from chat.models import ModelCall, Quota, QuotaLift, UsageDay
from chat.usage import chart, dashboard, rollup


class ModelCallAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "user",
        "provider",
        "model",
        "chat_profile",
        "input_tokens",
        "cached_tokens",
        "output_tokens",
        "cost_shown",
        "is_error",
    ]
    list_filter = ["provider", "model", "is_error", "created_at"]
    search_fields = ["user__email", "model"]
    date_hierarchy = "created_at"
    list_select_related = ["user"]
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER

    @admin.display(description=_("cost"), ordering="cost")
    def cost_shown(self, call: ModelCall) -> str:
        if call.cost is None:
            return str(_("unknown (no price for this model)"))
        return f"{formats.number_format(call.cost, 6)} {settings.CHAT_COST_CURRENCY}"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class QuotaAdmin(admin.ModelAdmin):
    list_display = ["__str__", "user", "group", "period", "metric", "limit"]
    list_filter = ["period", "metric", "group"]
    search_fields = ["user__email", "group__name"]
    autocomplete_fields = ["user", "group"]
    fields = ["user", "group", "period", "metric", "limit"]

    def save_model(self, request: HttpRequest, obj: Quota, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        audit.record(request.user, audit.Action.QUOTA_CHANGED, f"quota {obj.pk}", str(obj))

    def delete_model(self, request: HttpRequest, obj: Quota) -> None:
        audit.record(request.user, audit.Action.QUOTA_DELETED, f"quota {obj.pk}", str(obj))
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for quota in queryset:
            audit.record(request.user, audit.Action.QUOTA_DELETED, f"quota {quota.pk}", str(quota))
        super().delete_queryset(request, queryset)


class QuotaLiftAdmin(admin.ModelAdmin):
    list_display = ["user", "day", "reason", "granted_by", "created_at"]
    list_filter = ["day"]
    search_fields = ["user__email", "reason"]
    autocomplete_fields = ["user"]
    fields = ["user", "day", "reason"]

    def save_model(self, request: HttpRequest, obj: QuotaLift, form: Any, change: bool) -> None:
        if not change:
            obj.granted_by = request.user
        super().save_model(request, obj, form, change)
        audit.record(
            request.user,
            audit.Action.QUOTA_LIFTED,
            f"user {obj.user.email}",
            f"{obj.day}: {obj.reason}".rstrip(": "),
        )


DASHBOARD_PERMISSION = "chat.view_usage_dashboard"
CSV_COLUMNS = [
    "bucket",
    "key",
    "active_users",
    "conversations",
    "messages",
    "calls",
    "tokens",
    "cost",
    "unpriced_calls",
    "rated_good",
    "rated_bad",
    "errors",
]


class UsageDashboardAdmin(admin.ModelAdmin):
    """The usage dashboard, where the daily rows' list would be: for staff who hold the
    "Can see the usage dashboard" permission (superusers hold every permission)."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.has_perm(DASHBOARD_PERMISSION)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        groups = list(Group.objects.order_by("name"))
        error = ""
        try:
            filters = dashboard.parse(request.GET, groups)
        except dashboard.BadFilter as bad:
            error = str(bad)
            filters = dashboard.parse({}, groups)
        rollup.bring_up_to_date(filters.previous_first, filters.last)
        if request.GET.get("format") == "csv" and not error:
            return self._csv(filters)
        report = dashboard.report(filters, groups)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Usage"),
            "opts": self.model._meta,
            "report": report,
            "error": error,
            "currency": settings.CHAT_COST_CURRENCY,
            "chart": chart.bars(
                [
                    (
                        _bucket_label(point["bucket"], filters.bucket),
                        float(point["tokens"]),
                        _("%(when)s: %(tokens)s tokens, %(messages)s messages")
                        % {
                            "when": _bucket_label(point["bucket"], filters.bucket),
                            "tokens": point["tokens"],
                            "messages": point["messages"],
                        },
                    )
                    for point in report.series
                ],
                label=str(_("Tokens per period")),
            ),
            "csv_url": "?" + urlencode({**filters.query(), "format": "csv"}),
            "buckets": [("day", _("Day")), ("week", _("Week")), ("month", _("Month"))],
            "breakdowns": [
                ("user", _("Person")),
                ("group", _("Group")),
                ("profile", _("Chat profile")),
                ("model", _("Model")),
            ],
        }
        return TemplateResponse(request, "admin/chat/usage_dashboard.html", context)

    def _csv(self, filters: dashboard.Filters) -> HttpResponse:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        name = f"usage-{filters.first}-{filters.last}-{filters.bucket}-by-{filters.by}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        writer = csv.DictWriter(response, fieldnames=CSV_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for row in dashboard.csv_rows(filters):
            writer.writerow({**row, "key": row["key"] if row["key"] is not None else ""})
        return response


def _bucket_label(day: Any, bucket: str) -> str:
    if bucket == "month":
        return formats.date_format(day, "YEAR_MONTH_FORMAT")
    return formats.date_format(day, "SHORT_DATE_FORMAT" if bucket == "week" else "MONTH_DAY_FORMAT")


admin.site.register(ModelCall, ModelCallAdmin)
admin.site.register(UsageDay, UsageDashboardAdmin)
admin.site.register(Quota, QuotaAdmin)
admin.site.register(QuotaLift, QuotaLiftAdmin)

"""The audit log in the admin: for superusers only, read-only, exportable as CSV."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chat.models import AuditEntry

COLUMNS = ["created_at", "actor_email", "action", "target", "detail"]


class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor_email", "action", "target", "detail"]
    list_filter = ["action", "created_at"]
    search_fields = ["actor_email", "target", "detail"]
    date_hierarchy = "created_at"
    actions = ["export_csv"]
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Export selected entries as CSV"), permissions=["view"])
    def export_csv(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
        writer = csv.writer(response)
        writer.writerow(COLUMNS)
        for entry in queryset.order_by("created_at"):
            writer.writerow(
                [entry.created_at.isoformat(), *[getattr(entry, c) for c in COLUMNS[1:]]]
            )
        return response


admin.site.register(AuditEntry, AuditEntryAdmin)

"""The admin's pages for model usage and quotas: every call with its cost, the quotas of
people and groups, and the days on which staff lifted a person's limits."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from chat.models import ModelCall, Quota, QuotaLift


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


admin.site.register(ModelCall, ModelCallAdmin)
admin.site.register(Quota, QuotaAdmin)
admin.site.register(QuotaLift, QuotaLiftAdmin)

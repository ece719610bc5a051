from typing import Any

from allauth.socialaccount.models import SocialApp, SocialToken
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.models import GroupMapping, User
from chat import audit


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "display_name", "is_staff", "is_active", "date_joined"]
    search_fields = ["email", "display_name", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("display_name", "first_name", "last_name")}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


# OAuth providers come from environment variables alone (SOCIALACCOUNT_PROVIDERS in
# settings); provider rows in the database would be a second, conflicting source. Tokens
# are not stored, so their page would always be empty.
admin.site.unregister(SocialApp)
admin.site.unregister(SocialToken)


@admin.register(GroupMapping)
class GroupMappingAdmin(admin.ModelAdmin):
    """The groups the identity provider names, as they become groups here. Every change is
    in the audit log: a mapping decides who becomes staff."""

    list_display = ["name", "group_name", "ignored", "staff", "reviewer", "created_at"]
    list_editable = ["group_name", "ignored", "staff", "reviewer"]
    list_filter = ["ignored", "staff", "reviewer"]
    search_fields = ["name", "group_name"]

    def save_model(self, request: HttpRequest, obj: GroupMapping, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        audit.record(
            request.user, audit.Action.GROUP_MAPPING_CHANGED, f"group {obj.name}", _describe(obj)
        )

    def delete_model(self, request: HttpRequest, obj: GroupMapping) -> None:
        audit.record(request.user, audit.Action.GROUP_MAPPING_DELETED, f"group {obj.name}")
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for mapping in queryset:
            audit.record(request.user, audit.Action.GROUP_MAPPING_DELETED, f"group {mapping.name}")
        super().delete_queryset(request, queryset)


def _describe(mapping: GroupMapping) -> str:
    flags = [
        name
        for name, on in (
            ("ignored", mapping.ignored),
            ("staff", mapping.staff),
            ("reviewer", mapping.reviewer),
        )
        if on
    ]
    return f"as {mapping.target}" + (f" ({', '.join(flags)})" if flags else "")

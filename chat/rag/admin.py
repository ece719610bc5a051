"""Documents users uploaded for questions: who, where, whether they were read. Read-only;
deleting one deletes its passages and their index entries."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from chat import audit
from chat.rag.models import Document, TeamLibrary


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = (
        "name", "owner", "library", "thread", "status", "chunk_count", "truncated", "created_at",
    )  # fmt: skip
    list_filter = ("status", "truncated", "created_at")
    search_fields = ("name", "owner__email", "error")
    list_select_related = ("owner", "thread", "library__group")
    raw_id_fields = ("owner", "thread", "element")
    date_hierarchy = "created_at"
    readonly_fields = [
        "name", "owner", "library", "thread", "element", "mime", "status", "error", "chunk_count",
        "char_count", "truncated", "created_at", "updated_at",
    ]  # fmt: skip

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(TeamLibrary)
class TeamLibraryAdmin(admin.ModelAdmin):
    """A group's library and who manages it; its documents are managed from the library
    page by those managers (who must also be in the group). Every change is in the audit
    log: a manager decides what a whole team's assistant reads."""

    list_display = ("group", "managed_by", "document_count")
    search_fields = ("group__name",)
    autocomplete_fields = ("group",)
    filter_horizontal = ("managers",)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .select_related("group")
            .prefetch_related("managers")
            .annotate(documents_count=Count("documents"))
        )

    @admin.display(description=_("managers"))
    def managed_by(self, team: TeamLibrary) -> str:
        return ", ".join(m.email for m in team.managers.all())

    @admin.display(description=_("documents"), ordering="documents_count")
    def document_count(self, team: TeamLibrary) -> int:
        return team.documents_count

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # The managers are saved with the related objects, after the library itself.
        super().save_related(request, form, formsets, change)
        team = form.instance
        audit.record(
            request.user, audit.Action.TEAM_LIBRARY_CHANGED, _target(team), _describe(team)
        )

    def delete_model(self, request: HttpRequest, obj: TeamLibrary) -> None:
        audit.record(request.user, audit.Action.TEAM_LIBRARY_DELETED, _target(obj), _describe(obj))
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for team in queryset:
            audit.record(
                request.user, audit.Action.TEAM_LIBRARY_DELETED, _target(team), _describe(team)
            )
        super().delete_queryset(request, queryset)


def _target(team: TeamLibrary) -> str:
    return f"library {team.group.name}"


def _describe(team: TeamLibrary) -> str:
    emails = sorted(m.email for m in team.managers.all())
    return f"managers ({len(emails)}): {', '.join(emails)}" if emails else "no managers"

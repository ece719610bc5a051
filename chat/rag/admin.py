"""Documents users uploaded for questions: who, where, whether they were read. Read-only;
deleting one deletes its passages and their index entries."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from chat.rag.models import Document


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ("name", "owner", "thread", "status", "chunk_count", "truncated", "created_at")
    list_filter = ("status", "truncated", "created_at")
    search_fields = ("name", "owner__email", "error")
    list_select_related = ("owner", "thread")
    raw_id_fields = ("owner", "thread", "element")
    date_hierarchy = "created_at"
    readonly_fields = [
        "name", "owner", "thread", "element", "mime", "status", "error", "chunk_count",
        "char_count", "truncated", "created_at", "updated_at",
    ]  # fmt: skip

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

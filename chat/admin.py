"""Conversations for review: find them by user, date, feedback or text, read each one as
its user saw it, export them. Nothing here edits a conversation.

Staff in the "Reviewers" group (made by a data migration) hold the view permissions only:
they read everything and change nothing. Whoever may delete threads deletes them through
the same service as users do, so the stored files go too.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    StreamingHttpResponse,
)
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.text import Truncator, format_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.clickjacking import xframe_options_sameorigin

from chat import audit, permissions
from chat.admin_paging import CappedPaginator, EstimatingPaginator
from chat.engine import modes
from chat.models import Element, Feedback, Message, PlatformAccount, Step, Thread
from chat.rendering import fragments
from chat.rendering.feedback import REVIEW
from chat.threads import export, history, retention, search, tags, window
from chatproject.serving import async_bodies

# The admin bears the product's name (its colours come with admin/base_site.html).
admin.site.site_header = settings.CHAT_UI_NAME
admin.site.site_title = format_lazy(_("{name} administration"), name=settings.CHAT_UI_NAME)
# The list of conversations needs the width of a laptop's screen: the index and the
# breadcrumbs lead everywhere the side navigation would.
admin.site.enable_nav_sidebar = False


def _count(rows: QuerySet, group: str) -> Coalesce:
    """A correlated COUNT, computed only for the rows on the page (no join, no GROUP BY)."""
    counted = rows.order_by().values(group).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _short(text: str, length: int = 80) -> str:
    return Truncator(" ".join(text.split())).chars(length)


def _short_date(moment: Any) -> str:
    """A date and time as short as the language writes it: the list has many columns."""
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown to who may view it; added, changed and deleted by nobody."""

    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    paginator = EstimatingPaginator

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class FeedbackFilter(admin.SimpleListFilter):
    title = _("feedback")
    parameter_name = "feedback"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("negative", _("Has negative feedback")),
            ("positive", _("Has positive feedback")),
            ("none", _("No feedback")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        rated = Feedback.objects.filter(thread=OuterRef("pk"))
        if self.value() == "negative":
            return queryset.filter(Exists(rated.filter(value=-1)))
        if self.value() == "positive":
            return queryset.filter(Exists(rated.filter(value=1)))
        if self.value() == "none":
            return queryset.exclude(Exists(rated))
        return queryset


class UserFilter(admin.SimpleListFilter):
    """By user's email: a text box, since a site can have more users than a list can show."""

    title = _("user")
    parameter_name = "user"
    template = "admin/chat/user_filter.html"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        value = self.value()
        return [(value, value)] if value else []

    def has_output(self) -> bool:
        return True

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = (self.value() or "").strip()
        return queryset.filter(owner__email__iexact=value) if value else queryset

    def choices(self, changelist: Any) -> Any:
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": _("All"),
            # The box's form keeps the other filters, the search and the ordering.
            "kept": [(k, v) for k, v in changelist.params.items() if k != self.parameter_name],
            "value": self.value() or "",
            "parameter": self.parameter_name,
        }


class WrittenInFilter(admin.SimpleListFilter):
    """Opening the chat makes a thread (its page talks over that thread's socket); one
    nobody has written in is no conversation to review, so the list leaves it out unless
    asked for."""

    title = _("conversation")
    parameter_name = "written"
    DEFAULT = "yes"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("yes", _("Written in")),
            ("no", _("Opened, never written in")),
            ("all", _("All")),
        ]

    def value(self) -> str:
        return super().value() or self.DEFAULT

    def choices(self, changelist: Any) -> Any:
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        written = Exists(
            Message.objects.filter(thread=OuterRef("pk"), author_kind=Message.Author.USER)
        )
        if self.value() == "yes":
            return queryset.filter(written)
        if self.value() == "no":
            return queryset.exclude(written)
        return queryset


class LastActiveFilter(admin.DateFieldListFilter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.title = _("last active")


class ChatProfileFilter(admin.SimpleListFilter):
    """Threads by the chat profile they run with (an indexed column)."""

    title = _("chat profile")
    parameter_name = "chat_profile"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        names = (
            Thread.objects.exclude(chat_profile="")
            .order_by("chat_profile")
            .values_list("chat_profile", flat=True)
            .distinct()
        )
        return [(name, name) for name in names[:100]]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value():
            return queryset.filter(chat_profile=self.value())
        return queryset


class TagFilter(admin.SimpleListFilter):
    """Threads by a tag the assistant put on them (the tags of the latest tagged threads)."""

    title = _("tag")
    parameter_name = "tag"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        rows = Thread.objects.exclude(tags="").order_by("-updated_at").values_list("tags")
        found = {tag for (text,) in rows[:500] for tag in text.split("\n") if tag}
        return [(tag, tag) for tag in sorted(found, key=str.lower)[:100]]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value():
            return queryset.filter(tags.tagged(self.value()))
        return queryset


@admin.register(Thread)
class ThreadAdmin(admin.ModelAdmin):
    list_display = (
        "title_shown",
        "user_shown",
        "message_count",
        "tokens",
        "feedback_summary",
        "created",
        "last_active",
    )
    list_display_links = ("title_shown",)
    list_filter = (
        WrittenInFilter,
        FeedbackFilter,
        UserFilter,
        ("updated_at", LastActiveFilter),
        ("created_at", admin.DateFieldListFilter),
        ChatProfileFilter,
        TagFilter,
        # Where the conversation happened: web, Slack, Discord, Teams or the copilot.
        "source",
    )
    # Counting every choice of every filter is a walk through all threads: never.
    show_facets = admin.ShowFacets.NEVER
    # The search box looks in titles, users' emails and the text of every message.
    search_fields = ("title", "owner__email")
    search_help_text = _(
        "Titles, users' emails and message text. A search counts up to 1000 threads."
    )
    list_select_related = ("owner",)
    list_per_page = 50
    show_full_result_count = False
    ordering = ("-updated_at",)
    actions = ("export_json", "export_csv")
    fields = (
        "title",
        "chat_profile",
        "modes_shown",
        "tags_shown",
        "user_shown",
        "created",
        "last_active",
        "message_count",
        "tokens",
        "feedback_summary",
        "shared",
    )
    readonly_fields = fields
    change_form_template = "admin/chat/thread/change_form.html"

    # -- who may do what (chat.permissions decides) ------------------------------------------
    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return permissions.can_review_threads(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return permissions.can_delete_threads_in_admin(request.user)

    # -- rows --------------------------------------------------------------------------------
    def get_queryset(self, request: HttpRequest) -> QuerySet:
        feedback = Feedback.objects.filter(thread=OuterRef("pk"))
        return (
            super()
            .get_queryset(request)
            .annotate(
                messages_n=_count(Message.objects.filter(thread=OuterRef("pk")), "thread"),
                up_n=_count(feedback.filter(value=1), "thread"),
                down_n=_count(feedback.filter(value=-1), "thread"),
            )
        )

    def get_paginator(self, request: HttpRequest, queryset: QuerySet, per_page: int, **kw: Any):
        if request.GET.get("q", "").strip():
            return CappedPaginator(queryset, per_page, **kw)
        return EstimatingPaginator(queryset, per_page, **kw)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        return search.any_thread_matching(queryset, term), False

    @admin.display(description=_("title"), ordering="title")
    def title_shown(self, thread: Thread) -> str:
        return _short(thread.title, 60) or _("(untitled)")

    @admin.display(description=_("user"), ordering="owner__email")
    def user_shown(self, thread: Thread) -> str:
        url = reverse("admin:chat_thread_changelist") + "?user=" + thread.owner.email
        return format_html('<a href="{}" title="{}">{}</a>', url, _("Only this user"), thread.owner)

    @admin.display(description=_("messages"))
    def message_count(self, thread: Thread) -> int:
        return thread.messages_n

    @admin.display(description=_("LLM tokens"), ordering="total_tokens")
    def tokens(self, thread: Thread) -> int:
        # A column of the thread, added to as each LLM step ends: no query per row.
        return thread.total_tokens

    @admin.display(description=_("feedback"))
    def feedback_summary(self, thread: Thread) -> str:
        if not thread.up_n and not thread.down_n:
            return "-"
        return format_html(
            '<span class="feedback-up">{} {}</span> · <span class="feedback-down"{}>{} {}</span>',
            thread.up_n,
            _("up"),
            format_html(' style="color:{}"', "#ba2121") if thread.down_n else "",
            thread.down_n,
            _("down"),
        )

    @admin.display(description=_("created"), ordering="created_at")
    def created(self, thread: Thread) -> str:
        return _short_date(thread.created_at)

    @admin.display(description=_("last active"), ordering="updated_at")
    def last_active(self, thread: Thread) -> str:
        return _short_date(thread.updated_at)

    @admin.display(description=_("tags"))
    def tags_shown(self, thread: Thread) -> str:
        return ", ".join(thread.tag_list) or "-"

    @admin.display(description=_("modes"))
    def modes_shown(self, thread: Thread) -> str:
        """The composer's pickers as the user last set them."""
        chosen = modes.shown(modes.modes_of(thread), modes.choices_of(thread))
        return ", ".join(f"{mode}: {option}" for mode, option in chosen) or "-"

    @admin.display(description=_("shared as a link"), boolean=True)
    def shared(self, thread: Thread) -> bool:
        return bool(thread.share_token)

    # -- the transcript, as the user saw it ----------------------------------------------------
    def get_urls(self) -> list:
        transcript = self.admin_site.admin_view(self.transcript_view)
        return [
            path("<path:object_id>/transcript/", transcript, name="chat_thread_transcript"),
            *super().get_urls(),
        ]

    @xframe_options_sameorigin
    def transcript_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            thread = history.thread_for_review(request.user, object_id)
        except history.NotFound:
            raise Http404 from None
        raw_before = request.GET.get("before")
        before = window.parse_before(raw_before)
        if raw_before is not None and before is None:
            return HttpResponseBadRequest("`before` must be a whole number.")
        if before is None:
            # Opening the transcript is what the audit records; its earlier pages follow.
            audit.record(
                request.user,
                audit.Action.TRANSCRIPT_VIEWED,
                f"thread {thread.pk}",
                f"owner {thread.owner.email}" if thread.owner_id else "",
            )
        page = window.window(thread, before=before, include_superseded=True)
        url = reverse("admin:chat_thread_transcript", args=[thread.pk])
        context = {
            "thread": thread,
            "mode": REVIEW,
            **fragments.messages_context(page.messages, page.steps, mode=REVIEW),
            **window.earlier_context(url, page),
        }
        template = (
            "chat/fragments/earlier_page.html" if before is not None else "chat/transcript.html"
        )
        return TemplateResponse(request, template, context)

    # -- deleting, with the files ----------------------------------------------------------
    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> tuple:
        """What goes with the threads, counted rather than listed (a thread can be long).

        Deleting a thread takes its content along: no permission on the (read-only)
        messages, steps, elements and feedback is needed for it.
        """
        chosen = list(objs)
        ids = [t.pk for t in chosen]
        counts = {
            Thread._meta.verbose_name_plural: len(chosen),
            Message._meta.verbose_name_plural: Message.objects.filter(thread_id__in=ids).count(),
            Step._meta.verbose_name_plural: Step.objects.filter(thread_id__in=ids).count(),
            Element._meta.verbose_name_plural: Element.objects.filter(thread_id__in=ids).count(),
            Feedback._meta.verbose_name_plural: Feedback.objects.filter(thread_id__in=ids).count(),
        }
        return [str(t) for t in chosen], counts, set(), []

    def delete_model(self, request: HttpRequest, obj: Thread) -> None:
        audit.record(request.user, audit.Action.THREADS_DELETED, "", audit.threads_detail([obj.pk]))
        retention.remove_threads([obj.pk])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        audit.record(request.user, audit.Action.THREADS_DELETED, "", audit.threads_detail(ids))
        retention.remove_threads(ids)

    # -- export ------------------------------------------------------------------------------
    def _audit_export(self, request: HttpRequest, queryset: QuerySet, kind: str) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        audit.record(request.user, audit.Action.THREADS_EXPORTED, kind, audit.threads_detail(ids))

    def _download(
        self, request: HttpRequest, chunks: Any, kind: str, content_type: str
    ) -> StreamingHttpResponse:
        response = StreamingHttpResponse(
            async_bodies.pieces(request, chunks), content_type=content_type
        )
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        response["Content-Disposition"] = f'attachment; filename="threads-{stamp}.{kind}"'
        return response

    @admin.action(description=_("Export selected threads as JSON"), permissions=["view"])
    def export_json(self, request: HttpRequest, queryset: QuerySet) -> StreamingHttpResponse:
        self._audit_export(request, queryset, "JSON")
        return self._download(request, export.json_chunks(queryset), "json", "application/json")

    @admin.action(description=_("Export selected threads as CSV"), permissions=["view"])
    def export_csv(self, request: HttpRequest, queryset: QuerySet) -> StreamingHttpResponse:
        self._audit_export(request, queryset, "CSV")
        return self._download(
            request, export.csv_chunks(queryset), "csv", "text/csv; charset=utf-8"
        )


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ("shown_content", "author_kind", "status", "thread", "created_at")
    list_filter = ("author_kind", "status", ("created_at", admin.DateFieldListFilter))
    search_fields = ("content",)
    search_help_text = _("Words of the message.")
    list_select_related = ("thread",)
    exclude = ("metadata",)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        return search.matching_messages(queryset, term), False

    @admin.display(description=_("content"))
    def shown_content(self, message: Message) -> str:
        return _short(message.content) or "-"


@admin.register(Step)
class StepAdmin(ReadOnlyAdmin):
    list_display = ("name", "type", "thread", "started_at", "ended_at", "is_error")
    list_filter = ("type", "is_error")
    search_fields = ("name",)
    list_select_related = ("thread",)
    exclude = ("metadata",)


@admin.register(Element)
class ElementAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "display", "mime", "size", "thread", "created_at")
    list_filter = ("kind", "display")
    search_fields = ("name",)
    list_select_related = ("thread",)
    exclude = ("metadata", "content")


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyAdmin):
    list_display = ("shown_value", "shown_comment", "user", "message", "created_at")
    list_filter = ("value", ("created_at", admin.DateFieldListFilter))
    search_fields = ("comment", "user__email")
    list_select_related = ("user", "message")

    @admin.display(description=_("rating"), ordering="value")
    def shown_value(self, feedback: Feedback) -> str:
        return _("up") if feedback.value > 0 else _("down")

    @admin.display(description=_("comment"))
    def shown_comment(self, feedback: Feedback) -> str:
        return _short(feedback.comment) or "-"


@admin.register(PlatformAccount)
class PlatformAccountAdmin(admin.ModelAdmin):
    """Links of Slack, Discord and Teams people to accounts. Slack's and Teams' are made
    by email on first contact; Discord's are made here (its user id: Developer Mode, then
    "Copy User ID" on the person)."""

    list_display = ("name", "platform", "external_id", "user", "created_at")
    list_filter = ("platform",)
    search_fields = ("name", "external_id", "user__email")
    raw_id_fields = ("user",)
    readonly_fields = ("created_at",)


# Usage and quotas, and the audit log, have their own modules; registered with the rest.
from chat import audit_admin, usage_admin  # noqa: E402, F401

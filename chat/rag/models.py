"""Documents users upload for questions, and the passages they are split into.

The full-text index is not a model field: on PostgreSQL it is a generated tsvector
column of rag_chunk with a GIN index, on SQLite an FTS5 table kept in step by triggers
(both made by migration 0001). See index.py.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TeamLibrary(models.Model):
    """A group's documents, searched from every conversation of its members; its managers
    (who must be members too) add and remove them from the library page."""

    group = models.OneToOneField(
        "auth.Group", on_delete=models.CASCADE, primary_key=True, related_name="library"
    )
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="managed_libraries",
        help_text=_("Members of the group who add and remove its documents."),
    )

    class Meta:
        verbose_name = _("team library")
        verbose_name_plural = _("team libraries")

    def __str__(self) -> str:
        return self.group.name


class Document(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        PROCESSING = "processing", "Processing"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="documents"
    )
    # None: the owner's personal library, searched from every thread of theirs.
    thread = models.ForeignKey(
        "chat.Thread", null=True, blank=True, on_delete=models.CASCADE, related_name="documents"
    )
    element = models.ForeignKey(
        "chat.Element", null=True, blank=True, on_delete=models.SET_NULL, related_name="documents"
    )
    # A team library's document: searched by the group's members (the owner uploaded it),
    # never as the owner's own. None: the owner's.
    library = models.ForeignKey(
        "rag.TeamLibrary",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="documents",
    )
    # The file of a library document; a thread's document reads its element's file.
    file = models.FileField(upload_to="library/", blank=True)
    size = models.PositiveBigIntegerField(default=0)
    name = models.CharField(max_length=255)
    mime = models.CharField(max_length=127, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    error = models.TextField(blank=True)
    chunk_count = models.PositiveIntegerField(default=0)
    char_count = models.PositiveBigIntegerField(default=0)
    # Set when the text was longer than CHAT_RAG_MAX_CHARS and only its start is indexed.
    truncated = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["owner", "thread", "status"], name="rag_document_scope"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.status})"

    async def aset(self, **fields: object) -> None:
        """Sets these fields here and in the database (with updated_at), nothing else."""
        fields["updated_at"] = timezone.now()
        for name, value in fields.items():
            setattr(self, name, value)
        await Document.objects.filter(pk=self.pk).aupdate(**fields)


class Chunk(models.Model):
    id = models.BigAutoField(primary_key=True)
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    text = models.TextField()
    # The page the passage starts on (PDF), if known.
    page = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["document", "index"]
        constraints = [
            models.UniqueConstraint(fields=["document", "index"], name="rag_chunk_unique_index"),
        ]

    def __str__(self) -> str:
        return f"{self.document_id} #{self.index}"

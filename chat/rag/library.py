"""The personal library: documents a user keeps for every conversation of theirs; and
team libraries: a group's documents, kept by its managers for all its members.

A library document belongs to no thread, so its reading cannot report into a chat: its
progress is the document's own status and passage count, which the library page shows
as it changes. Reading runs on a Celery worker when REDIS_URL is set, in the web process
otherwise; reading again is safe (the old passages are replaced), so a worker lost half
way hands the task to another, and a document nobody is reading any more is failed.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import replace
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from chat.engine import runner, uploads
from chat.rag.extract import ExtractionError, Limits, check_before_reading, supported
from chat.rag.index import index_document
from chat.rag.models import Document, TeamLibrary

logger = logging.getLogger(__name__)

IN_PROGRESS = (Document.Status.QUEUED, Document.Status.PROCESSING)
# The runner's (and the Celery task's) name for reading a library document.
READ_DOCUMENT = "chat.read_library_document"


class LibraryRefused(uploads.UploadRefused):
    pass


def owned(owner: Any) -> Any:
    return Document.objects.filter(owner=owner, thread__isnull=True, library__isnull=True)


def listing(owner: Any) -> list[Document]:
    fail_abandoned(owner)
    return list(owned(owner).order_by("-created_at"))


def store(
    owner: Any,
    files: list[UploadedFile],
    limits: uploads.Limits,
    team: TeamLibrary | None = None,
) -> list[Document]:
    """Checks every file first (size, content type, readable kind), then keeps them all,
    or none: in the owner's library, or in a team's library they manage."""
    checked = uploads.check(files, replace(limits, accept=("*/*",)))
    for upload, name, mime in checked:
        if not supported(mime, name):
            raise LibraryRefused(
                _(
                    "%(name)s: files of type %(type)s cannot be read; send text, Markdown, "
                    "HTML, PDF or Word (.docx) documents."
                )
                % {"name": name, "type": mime}
            )
        try:
            check_before_reading(upload, mime, name, Limits.from_settings())
        except ExtractionError as error:
            raise LibraryRefused(
                _("%(name)s cannot be read: %(reason)s.") % {"name": name, "reason": error}
            ) from error
    stored: list[Document] = []
    try:
        for upload, name, mime in checked:
            folder = f"teams/{team.pk}" if team is not None else owner.pk
            path = default_storage.save(
                f"library/{folder}/{uuid.uuid4().hex}/{uploads.storage_name(name)}", upload
            )
            stored.append(
                Document.objects.create(
                    owner=owner, library=team, name=name, mime=mime, file=path, size=upload.size
                )
            )
    except Exception:
        for document in stored:
            forget(document)
        raise
    return stored


def forget(document: Document) -> None:
    """Deletes the document, its passages and its file."""
    if document.file:
        default_storage.delete(document.file.name)
    document.delete()


def remove(owner: Any, document_id: Any) -> bool:
    document = owned(owner).filter(pk=document_id).first()
    if document is None:
        return False
    forget(document)
    return True


def team_documents(team: TeamLibrary) -> Any:
    return Document.objects.filter(library=team, thread__isnull=True)


def teams_of(user: Any) -> list[TeamLibrary]:
    """The team libraries of the groups the person is in, each marked `managed` when
    they may add and remove its documents."""
    teams = list(
        TeamLibrary.objects.filter(group__user=user).select_related("group").order_by("group__name")
    )
    managed = set(
        TeamLibrary.managers.through.objects.filter(
            user_id=user.pk, teamlibrary_id__in=[t.pk for t in teams]
        ).values_list("teamlibrary_id", flat=True)
    )
    for team in teams:
        team.managed = team.pk in managed
    return teams


def managed_team(user: Any, group_id: Any) -> TeamLibrary | None:
    """The team library this person manages (and whose group they are still in)."""
    return (
        TeamLibrary.objects.filter(pk=group_id, group__user=user, managers=user)
        .select_related("group")
        .first()
    )


def team_listing(team: TeamLibrary) -> list[Document]:
    fail_abandoned(team=team)
    return list(team_documents(team).order_by("-created_at"))


def remove_from_team(team: TeamLibrary, document_id: Any) -> bool:
    document = team_documents(team).filter(pk=document_id).first()
    if document is None:
        return False
    forget(document)
    return True


def fail_abandoned(owner: Any = None, team: TeamLibrary | None = None) -> int:
    """Documents whose reading stopped reporting (its worker died) are failed, so the
    owner sees it and can try again."""
    before = timezone.now() - timedelta(seconds=settings.CHAT_JOB_STALE_SECONDS)
    abandoned = Document.objects.filter(
        thread__isnull=True, status__in=IN_PROGRESS, updated_at__lt=before
    )
    if owner is not None:
        abandoned = abandoned.filter(owner=owner, library__isnull=True)
    if team is not None:
        abandoned = abandoned.filter(library=team)
    return abandoned.update(
        status=Document.Status.FAILED,
        error="Reading it stopped half way. Try again.",
        updated_at=timezone.now(),
    )


async def start(document: Document) -> None:
    """Hands the document to a worker (or reads it in this process, embedded)."""
    await runner.submit(READ_DOCUMENT, str(document.pk))


async def retry(owner: Any, document_id: Any, team: TeamLibrary | None = None) -> Document | None:
    documents = owned(owner) if team is None else team_documents(team)
    document = await documents.filter(pk=document_id).afirst()
    if document is None:
        return None
    await document.aset(status=Document.Status.QUEUED, error="", chunk_count=0)
    await start(document)
    return document


async def read(document_id: Any) -> None:
    """Reads, splits and indexes one library document, reporting as it goes."""
    claimed = await Document.objects.filter(
        Q(pk=document_id) & Q(thread__isnull=True) & Q(status__in=IN_PROGRESS)
    ).aupdate(status=Document.Status.PROCESSING, error="", updated_at=timezone.now())
    if not claimed:
        return
    document = await Document.objects.aget(pk=document_id)

    async def progress(count: int) -> None:
        # Also the heartbeat: a document that stops moving is taken for abandoned.
        await document.aset(chunk_count=count)

    try:
        result = await index_document(document, progress)
    except ExtractionError as error:
        reason = str(error)
        # Capitalised, not .capitalize()d: that would lower "PDF" and "Word".
        await document.aset(
            status=Document.Status.FAILED, error=reason[:1].upper() + reason[1:] + "."
        )
        return
    except asyncio.CancelledError:
        await asyncio.shield(document.aset(status=Document.Status.FAILED, error="Stopped."))
        raise
    except Exception as error:
        logger.exception("Reading library document %s failed", document_id)
        await document.aset(
            status=Document.Status.FAILED,
            error=f"Reading it failed ({type(error).__name__}). Try again.",
        )
        return
    await document.aset(
        status=Document.Status.READY,
        chunk_count=result.chunks,
        char_count=result.chars,
        truncated=result.truncated,
    )


runner.register(READ_DOCUMENT, read)

"""A person's own data: all of it as one zip ("Download my data"), or none of it (the
account deleted with its conversations and files).

The zip is streamed as it is written: one conversation and one file block at a time, so
memory stays bounded whatever the person kept. Its layout:

- account.json: the account, its groups;
- conversations/<thread id>.json: a conversation as the reviewers' export holds it;
- files/<thread id>/<element id>/<name>: the files of its conversations;
- library.json and library/<document id>/<name>: the personal library.
"""

from __future__ import annotations

import json
import logging
import zipfile
from collections.abc import Iterator
from typing import Any

from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder

from chat.models import Element, Thread
from chat.rag import library
from chat.rag.models import Document
from chat.threads import export, retention

logger = logging.getLogger(__name__)

BLOCK = 64 * 1024
# Threads removed per transaction when an account is deleted.
DELETE_BATCH = 200


class _Sink:
    """Where the zip writes; what it wrote is taken out as it goes (a stream that cannot
    seek, so zipfile writes each entry's sizes after its data)."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def drain(self) -> Iterator[bytes]:
        if self.parts:
            data, self.parts = b"".join(self.parts), []
            yield data


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment else None


def _safe(name: str) -> str:
    """A file's name as a path part in the zip: no folders, no way out of its own."""
    cleaned = name.replace("\\", "/").rsplit("/", 1)[-1].strip().lstrip(".")
    return cleaned[:200] or "file"


def _account(user: Any) -> dict[str, Any]:
    return {
        "email": user.email,
        "display_name": user.display_name,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "language": user.language,
        "date_joined": _iso(user.date_joined),
        "last_login": _iso(user.last_login),
        "metadata": user.metadata,
        "groups": sorted(user.groups.values_list("name", flat=True)),
    }


def _document(document: Document) -> dict[str, Any]:
    return {
        "id": str(document.pk),
        "name": document.name,
        "mime": document.mime,
        "size": document.size,
        "status": document.status,
        "created_at": _iso(document.created_at),
        "file": f"library/{document.pk}/{_safe(document.name)}" if document.file else None,
    }


def _copy(archive: zipfile.ZipFile, sink: _Sink, name: str, arcname: str) -> Iterator[bytes]:
    try:
        source = default_storage.open(name, "rb")
    except (FileNotFoundError, OSError):
        logger.warning("A file of the download is missing from storage: %s", name)
        return
    with source, archive.open(arcname, "w", force_zip64=True) as target:
        while block := source.read(BLOCK):
            target.write(block)
            yield from sink.drain()


def zip_chunks(user: Any) -> Iterator[bytes]:
    """The person's data as a zip, in pieces as it is written."""
    sink = _Sink()
    dump = json.dumps
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("account.json", dump(_account(user), indent=2, cls=DjangoJSONEncoder))
        yield from sink.drain()
        threads = Thread.objects.filter(owner=user)
        for record in export.thread_records(threads):
            archive.writestr(
                f"conversations/{record['id']}.json", dump(record, indent=2, cls=DjangoJSONEncoder)
            )
            yield from sink.drain()
        files = (
            Element.objects.filter(thread__owner=user)
            .exclude(file="")
            .values_list("thread_id", "pk", "name", "file")
            .order_by("created_at")
        )
        for thread_id, pk, name, stored in files.iterator(chunk_size=500):
            yield from _copy(archive, sink, stored, f"files/{thread_id}/{pk}/{_safe(name)}")
        documents = list(library.owned(user).order_by("created_at"))
        archive.writestr(
            "library.json", dump([_document(d) for d in documents], indent=2, cls=DjangoJSONEncoder)
        )
        yield from sink.drain()
        for document in documents:
            if document.file:
                arcname = f"library/{document.pk}/{_safe(document.name)}"
                yield from _copy(archive, sink, document.file.name, arcname)
    yield from sink.drain()


def delete_account(user: Any) -> None:
    """Deletes the person's conversations (with their files), their library (with its
    files), and then the account with everything else that is theirs.

    A team document they uploaded is the team's: it passes to another manager of its
    library, and only without one is it deleted.
    """
    while ids := list(
        Thread.objects.filter(owner=user).values_list("pk", flat=True)[:DELETE_BATCH]
    ):
        retention.remove_threads(ids)
    for document in library.owned(user):
        library.forget(document)
    for document in Document.objects.filter(owner=user, library__isnull=False).select_related(
        "library"
    ):
        heir = document.library.managers.exclude(pk=user.pk).order_by("pk").first()
        if heir is None:
            library.forget(document)
        else:
            Document.objects.filter(pk=document.pk).update(owner=heir)
    # Whatever else is theirs goes with the account (a document's file with its row).
    user.delete()

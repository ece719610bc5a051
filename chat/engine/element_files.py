"""An element's content: kept in its row (texts, charts, task lists) or copied once into
Django's default storage (everything else), with its type and size recorded.

The bytes come from the assistant: a `path` it names or `content` it passes, read when
the element is first stored. A `url` is only ever handed to the browser.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import filetype
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils.text import get_valid_filename

from chat.models import Element

# Kept in the row's text column rather than as a file.
TEXT_KINDS = {"text", "plotly", "tasklist", "custom"}
KIND_MIMES = {
    "text": "text/plain",
    "pdf": "application/pdf",
    "plotly": "application/json",
    "tasklist": "application/json",
    "custom": "application/json",
    "dataframe": "text/csv",
}
URL_SCHEMES = {"http", "https"}
SNIFF_BYTES = 8192


class ElementError(ValueError):
    """The assistant asked for something that cannot be shown; the message says why."""


@dataclass
class ElementSource:
    """An element as the SDK hands it over: where its content comes from, and how to show it."""

    id: str
    kind: str
    name: str
    display: str = "inline"
    for_id: str | None = None
    url: str = ""
    path: str | None = None  # read once, when the element is first stored
    content: bytes | str | None = None
    stored_name: str = ""  # a file already in storage (a user's upload), copied once
    mime: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    updatable: bool = False  # a re-send replaces the content (task lists)


def check_url(url: str) -> str:
    """A URL the browser may load: http(s), or a path on this site. Never fetched here."""
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme.lower() in URL_SCHEMES and parts.netloc:
        return url
    if not parts.scheme and not parts.netloc and url.startswith("/") and not url.startswith("//"):
        return url
    raise ElementError(f"Element URLs must be http(s) or a path on this site, not {url!r}.")


def _file_name(source: ElementSource, fallback: str, mime: str) -> str:
    """A storage-safe file name that keeps a meaningful extension."""
    name = PurePosixPath(source.name.replace("\\", "/")).name or fallback or source.kind
    if not PurePosixPath(name).suffix:
        suffix = PurePosixPath(fallback).suffix or (mimetypes.guess_extension(mime) or "")
        name += suffix
    return get_valid_filename(name)[:150] or "file"


def _mime(source: ElementSource, head: bytes, name: str) -> str:
    if source.mime:
        return source.mime
    if source.kind in KIND_MIMES:
        return KIND_MIMES[source.kind]
    sniffed = filetype.guess(head) if head else None
    if sniffed is not None:
        return sniffed.mime
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def as_text(content: bytes | str | None) -> str:
    if content is None:
        return ""
    return content if isinstance(content, str) else bytes(content).decode("utf-8", "replace")


def fill(element: Element, source: ElementSource) -> None:
    """Puts the content in place: the text column, or a file in the default storage."""
    if source.kind in TEXT_KINDS and not source.stored_name:
        text = (
            Path(source.path).read_text(encoding="utf-8", errors="replace")
            if source.path
            else as_text(source.content)
        )
        element.content = text
        element.size = len(text.encode("utf-8"))
        element.mime = source.mime or KIND_MIMES.get(source.kind, "text/plain")
        return
    if source.path:
        handle: Any = Path(source.path).open("rb")  # noqa: SIM115 (closed by the with below)
        fallback = Path(source.path).name
    elif source.stored_name:
        handle, fallback = default_storage.open(source.stored_name, "rb"), source.stored_name
    elif source.content is not None:
        data = source.content.encode("utf-8") if isinstance(source.content, str) else source.content
        handle, fallback = ContentFile(bytes(data)), ""
    else:
        # Only a URL: the browser loads it; its path hints at the type, for the players.
        element.mime = (
            source.mime
            or KIND_MIMES.get(source.kind)
            or (mimetypes.guess_type(urlsplit(source.url).path)[0] or "")
        )
        return
    with handle:
        head = handle.read(SNIFF_BYTES)
        handle.seek(0)
        element.mime = _mime(source, head, source.name or fallback)
        name = _file_name(source, PurePosixPath(fallback).name, element.mime)
        element.file.save(name, handle if isinstance(handle, File) else File(handle), save=False)
    element.size = element.file.size


@receiver(post_delete, sender=Element, dispatch_uid="chat-element-file")
def _delete_file(sender: type[Element], instance: Element, **kwargs: Any) -> None:
    """A deleted element (or one deleted with its message or thread) takes its file along."""
    if instance.file:
        name, storage = instance.file.name, instance.file.storage
        transaction.on_commit(lambda: storage.delete(name))

"""Files users upload: checked (size, count, type sniffed from the content), then stored.

An upload is kept as a pending Element of its thread until a message or an answer takes
it; a refused file leaves nothing behind.
"""

from __future__ import annotations

import fnmatch
import uuid
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

import filetype
from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from chat.engine import asks, profile_config
from chat.errors import UserFacingError
from chat.models import Element, Thread

SNIFF_BYTES = 8192
TEXT_TYPES = {
    ".md": "text/markdown",
    ".markdown": "text/markdown",
    ".csv": "text/csv",
    ".json": "application/json",
    ".py": "text/x-python",
}
PENDING = "pending"
ATTACHED = "attached"


class UploadRefused(UserFacingError):
    pass


@dataclass(frozen=True)
class Limits:
    accept: tuple[str, ...]
    max_bytes: int
    max_files: int
    # A profile's own patterns: a file must match these as well as `accept`.
    narrowed: tuple[str, ...] = ()

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            accept=tuple(settings.CHAT_UPLOAD_ACCEPT),
            max_bytes=int(settings.CHAT_UPLOAD_MAX_MB * 1024 * 1024),
            max_files=settings.CHAT_UPLOAD_MAX_FILES,
        )

    @classmethod
    def for_thread(cls, thread: Thread) -> Limits:
        """The settings' limits, narrowed by the thread's profile; UploadRefused when
        CHAT_UPLOADS or the profile turns uploads off. A profile only narrows: it cannot
        let in a type, a size or a count the settings refuse."""
        overrides = profile_config.of(thread.metadata)
        if not enabled(overrides):
            raise UploadRefused(_("Files cannot be attached in this chat."))
        limits = cls.from_settings()
        max_mb = overrides.get("max_size_mb")
        max_files = overrides.get("max_files")
        return cls(
            accept=limits.accept,
            max_bytes=min(limits.max_bytes, int(max_mb * 1024 * 1024))
            if max_mb
            else limits.max_bytes,
            max_files=min(limits.max_files, max_files) if max_files else limits.max_files,
            narrowed=tuple(overrides.get("accept") or ()),
        )

    def allows(self, mime: str) -> bool:
        return accepted(mime, self.accept) and (not self.narrowed or accepted(mime, self.narrowed))


def limits_for_upload(thread: Thread) -> Limits:
    """What the upload endpoint allows: a question waiting for a file takes one whatever
    the switches say (its own limits are checked when it takes the file); otherwise the
    thread's limits for files attached to a message."""
    if asks.pending_kind_now(thread.pk) == "file":
        return Limits.from_settings()
    return Limits.for_thread(thread)


def enabled(overrides: dict[str, Any]) -> bool:
    """Whether files may be attached: CHAT_UPLOADS, then the profile's own switch."""
    return bool(settings.CHAT_UPLOADS) and overrides.get("uploads") is not False


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut by the sniff window is still text.
        return error.start >= len(head) - 3
    return True


def sniff(head: bytes, name: str) -> str:
    """The type the content really has; the name only refines plain text."""
    guessed = filetype.guess(head)
    if guessed is not None:
        return guessed.mime
    if not _looks_like_text(head):
        return "application/octet-stream"
    start = head.lstrip()[:200].lower()
    if start.startswith((b"<!doctype html", b"<html")) or b"<script" in start:
        return "text/html"
    if start.startswith(b"<?xml") or start.startswith(b"<svg"):
        return "image/svg+xml" if b"<svg" in start else "application/xml"
    return TEXT_TYPES.get(PurePosixPath(name.lower()).suffix, "text/plain")


def accepted(mime: str, accept: tuple[str, ...] | list[str]) -> bool:
    return any(fnmatch.fnmatch(mime, pattern) for pattern in accept)


def clean_name(name: str) -> str:
    """A file name without any path: `../../etc/passwd` becomes `passwd`."""
    base = PurePosixPath(name.replace("\\", "/")).name
    base = "".join(ch for ch in base if ch.isprintable()).strip()[:200]
    return base if base not in ("", ".", "..") else "file"


def storage_name(name: str) -> str:
    """The name on disk, of safe characters only; with none left (say "+++"), "file"."""
    try:
        return get_valid_filename(name)
    except SuspiciousFileOperation:
        return "file"


def kind_for(mime: str) -> str:
    if mime == "application/pdf":
        return "pdf"
    major = mime.split("/")[0]
    if mime != "image/svg+xml" and major in ("image", "audio", "video"):
        return major
    return "file"


def check(
    files: list[UploadedFile], limits: Limits, *, already: int = 0
) -> list[tuple[UploadedFile, str, str]]:
    """Each file with its clean name and the type its content has, or UploadRefused for
    the first that breaks a limit (so that none is kept)."""
    if not files:
        raise UploadRefused(_("No file was sent."))
    if len(files) + already > limits.max_files:
        raise UploadRefused(
            _("At most %(count)d files can be sent at once.") % {"count": limits.max_files}
        )
    checked: list[tuple[UploadedFile, str, str]] = []
    for upload in files:
        name = clean_name(upload.name or "file")
        if upload.size > limits.max_bytes:
            mb = limits.max_bytes / 1024 / 1024
            raise UploadRefused(
                _("%(name)s is too large (at most %(mb)s MB).") % {"name": name, "mb": f"{mb:g}"}
            )
        if upload.size == 0:
            raise UploadRefused(_("%(name)s is empty.") % {"name": name})
        upload.seek(0)
        mime = sniff(upload.read(SNIFF_BYTES), name)
        upload.seek(0)
        if not limits.allows(mime):
            raise UploadRefused(
                _("%(name)s: files of type %(type)s are not accepted here.")
                % {"name": name, "type": mime}
            )
        checked.append((upload, name, mime))
    return checked


def store(thread: Thread, user: Any, files: list[UploadedFile], limits: Limits) -> list[Element]:
    """Checks every file first, then stores them all, or none."""
    pending = Element.objects.filter(thread=thread, message=None, metadata__upload=PENDING)
    checked = check(files, limits, already=pending.count() if files else 0)
    stored: list[Element] = []
    try:
        for upload, name, mime in checked:
            path = default_storage.save(
                f"uploads/{thread.pk}/{uuid.uuid4().hex}/{storage_name(name)}", upload
            )
            stored.append(
                Element.objects.create(
                    thread=thread,
                    kind=kind_for(mime),
                    name=name,
                    display="inline",
                    file=path,
                    mime=mime,
                    size=upload.size,
                    metadata={"upload": PENDING, "uploader": user.pk},
                )
            )
    except Exception:
        for element in stored:
            default_storage.delete(element.file.name)
            element.delete()
        raise
    return stored


def take(thread_id: Any, ids: tuple[str, ...], limits: Limits) -> list[Element]:
    """The pending uploads with these ids in this thread, checked against these limits."""
    try:
        wanted = [uuid.UUID(i) for i in ids]
    except ValueError:
        raise UploadRefused(_("Unknown file.")) from None
    found = list(
        Element.objects.filter(
            thread_id=thread_id, pk__in=wanted, message=None, metadata__upload=PENDING
        )
    )
    if len(found) != len(set(wanted)):
        raise UploadRefused(_("A file is missing: upload it again."))
    if len(found) > limits.max_files:
        raise UploadRefused(
            _("At most %(count)d files are accepted here.") % {"count": limits.max_files}
        )
    for element in found:
        if element.size > limits.max_bytes or not limits.allows(element.mime):
            raise UploadRefused(_("%(name)s is not accepted here.") % {"name": element.name})
    return found


def attach(elements: list[Element], message_id: Any) -> None:
    for element in elements:
        element.message_id = message_id
        element.metadata["upload"] = ATTACHED
        element.save(update_fields=["message", "metadata"])


def as_file_response(element: Element) -> dict[str, Any]:
    """Chainlit's AskFileResponse fields, but for the path: the stored name, made a local
    path by the process that runs the waiting hook (it may be another host)."""
    return {
        "id": str(element.pk),
        "name": element.name,
        "stored_name": element.file.name,
        "size": element.size,
        "type": element.mime,
    }

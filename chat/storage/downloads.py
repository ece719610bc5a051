"""A stored file on its way to a browser that may see it (the caller checked): its bytes a
piece at a time, or a short-lived address on the store itself.

From a bucket, the object's body is read as it arrives (django-storages' file object would
first download all of it); on local disk the file is read in pieces as always.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from django.conf import settings

CHUNK = 256 * 1024


def _is_bucket(storage: Any) -> bool:
    return hasattr(storage, "bucket") and hasattr(storage, "_normalize_name")


def _key(storage: Any, name: str) -> str:
    from storages.utils import clean_name

    return storage._normalize_name(clean_name(name))


def redirects(storage: Any) -> bool:
    """Whether a download is a redirect to a presigned URL (a bucket, and the setting)."""
    return settings.CHAT_STORAGE_DOWNLOADS == "redirect" and _is_bucket(storage)


def chunks(file: Any) -> Iterator[bytes]:
    """The stored file's bytes, CHUNK at a time, never all at once."""
    storage = file.storage
    if _is_bucket(storage):
        body = storage.bucket.Object(_key(storage, file.name)).get()["Body"]
        try:
            yield from body.iter_chunks(CHUNK)
        finally:
            body.close()
        return
    with file.open("rb") as handle:
        while piece := handle.read(CHUNK):
            yield piece


def presigned_url(file: Any, *, filename: str, content_type: str, attachment: bool) -> str:
    """An address on the bucket valid for CHAT_STORAGE_URL_SECONDS, with the type and the
    disposition this app would have sent (the store answers with them)."""
    disposition = "attachment" if attachment else "inline"
    parameters = {
        "ResponseContentType": content_type,
        "ResponseContentDisposition": f"{disposition}; filename*=UTF-8''{quote(filename)}",
        "ResponseCacheControl": "private, no-store",
    }
    return file.storage.url(
        file.name, parameters=parameters, expire=settings.CHAT_STORAGE_URL_SECONDS
    )

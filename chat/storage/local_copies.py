"""A local path for a stored file, for code that promises one (`AskFileResponse.path`,
an uploaded element's `path`), whatever the storage.

On local disk the path is the file itself. Anywhere else (a bucket) it is a temporary
copy, downloaded piece by piece, that lives as long as the hook it was made for: a
`Scope` collects the copies made while it is active and removes them when the hook ends.
A copy made outside any scope goes when the object that carries its path is collected.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
import weakref
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import PurePosixPath
from typing import Any

from django.core.files.storage import default_storage

logger = logging.getLogger(__name__)

CHUNK = 1024 * 1024


class Scope:
    """The copies made for one run of a hook, removed together when it ends."""

    def __init__(self) -> None:
        self.paths: list[str] = []

    @contextlib.contextmanager
    def active(self) -> Iterator[Scope]:
        token = _current.set(self)
        try:
            yield self
        finally:
            _current.reset(token)

    def remove(self) -> None:
        paths, self.paths = self.paths, []
        for path in paths:
            _remove(path)


_current: ContextVar[Scope | None] = ContextVar("chat_local_copies", default=None)


def _remove(path: str) -> None:
    # Each copy sits alone in a folder of its own, so that it keeps its file name.
    with contextlib.suppress(FileNotFoundError):
        shutil.rmtree(os.path.dirname(path))


def local_path(name: str, *, owner: Any = None) -> str:
    """A path on this machine holding the stored file `name`.

    Removed when the active scope ends; with none, when `owner` is collected.
    """
    try:
        return default_storage.path(name)
    except NotImplementedError:  # a remote storage has no local path
        pass
    folder = tempfile.mkdtemp(prefix="chat-file-")
    path = os.path.join(folder, PurePosixPath(name).name or "file")
    try:
        with default_storage.open(name, "rb") as source, open(path, "wb") as target:
            shutil.copyfileobj(source, target, CHUNK)
    except BaseException:
        _remove(path)
        raise
    scope = _current.get()
    if scope is not None:
        scope.paths.append(path)
    elif owner is not None:
        weakref.finalize(owner, _remove, path)
    else:
        logger.warning("A local copy of %s was made with nothing to remove it", name)
    return path

"""Old module paths that still import, with a DeprecationWarning, after the layout changed.

A fork's settings or code may name a module by its former path (`chat.views`,
`chat.channel_layers.InMemoryChannelLayer`, `chatproject.db.postgresql`...). Each old path is
an alias of the module at its new place: the same module object, so patches and isinstance
checks still hold. Installed by `chatproject/__init__.py`, before settings are read.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import warnings
from types import ModuleType

MOVED = {
    "chat.views": "chat.web.views",
    "chat.history_views": "chat.web.history_views",
    "chat.library_views": "chat.web.library_views",
    "chat.files": "chat.web.file_views",
    "chat.branding_views": "chat.web.branding_views",
    "chat.urls": "chat.web.urls",
    "chat.routing": "chatproject.routing",
    "chat.consumers": "chat.web.consumers",
    "chat.events": "chat.web.events",
    "chat.middleware": "chat.web.middleware",
    "chat.context_processors": "chat.web.context_processors",
    "chat.csp": "chat.web.csp",
    "chat.body_limits": "chatproject.body_limits",
    "chat.channel_layers": "chatproject.serving.channel_layers",
    "chat.redis_channel_layer": "chatproject.serving.redis_channel_layer",
    "chat.engine.history": "chat.threads.history",
    "chat.engine.search": "chat.threads.search",
    "chat.engine.export": "chat.threads.export",
    "chat.engine.retention": "chat.threads.retention",
    "chat.engine.feedback": "chat.threads.feedback",
    "chat.engine.tasks": "chat.engine.background",
    "chat.engine.window": "chat.engine.copilot",
    "chat.engine.connections": "chatproject.serving.connections",
    "chat.engine.threads": "chat.threads.store",
    "chat.engine.errors": "chat.errors",
    "chatproject.db": "chatproject.serving.db",
    "chatproject.compression": "chatproject.serving.compression",
    "chatproject.websocket_compression": "chatproject.serving.websocket_compression",
    "chatproject.websocket_close": "chatproject.serving.websocket_close",
    "chatproject.daphne_bodies": "chatproject.serving.daphne_bodies",
}


def new_name(old: str) -> str | None:
    """The current path of a module named by its old path (or inside an old package)."""
    for before, after in MOVED.items():
        if old == before or old.startswith(before + "."):
            return after + old[len(before) :]
    return None


class _Alias(importlib.abc.Loader):
    def __init__(self, new: str) -> None:
        self.new = new

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        warnings.warn(
            f"{spec.name} has moved to {self.new}: import it from there.",
            DeprecationWarning,
            stacklevel=2,
        )
        return importlib.import_module(self.new)

    def exec_module(self, module: ModuleType) -> None:
        """The module at its new place is already executed."""


class _MovedFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path, target=None):  # type: ignore[no-untyped-def]
        new = new_name(fullname)
        if new is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, _Alias(new))


def install() -> None:
    # First in line: an old package's path now points at the new folder, where the default
    # finder would load a second copy of each submodule under its old name.
    if not any(isinstance(finder, _MovedFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _MovedFinder())

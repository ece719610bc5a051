"""Loading the assistant named by settings: a dotted module path or a .py file."""

from __future__ import annotations

import importlib
import importlib.util
import sys
import traceback
from pathlib import Path
from types import ModuleType

from django.conf import settings

from chat.engine.registry import hooks

_loaded: str | None = None


class AssistantLoadError(RuntimeError):
    """The assistant could not be imported; the message names the file and the line."""


def _where(error: BaseException, origin: str) -> str:
    if isinstance(error, SyntaxError) and error.filename:
        return f"{error.filename}, line {error.lineno}"
    frames = traceback.extract_tb(error.__traceback__)
    if frames:
        # The innermost frame that belongs to the assistant's own file, else the last one.
        own = [f for f in frames if f.filename == origin] or frames
        frame = own[-1]
        return f"{frame.filename}, line {frame.lineno}"
    return origin


def _import_file(path: Path) -> ModuleType:
    name = f"chat_assistant_{abs(hash(str(path)))}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise AssistantLoadError(f"{path}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    # A script's own folder is importable from it, as with `python app.py`.
    sys.path.insert(0, str(path.parent))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(path.parent))
    return module


def load(target: str, *, force: bool = False) -> None:
    """Import the assistant so that its decorators register its hooks."""
    global _loaded
    if _loaded == target and not force:
        return
    hooks.clear()
    # Until the import succeeds no assistant is loaded: a failed load must not pass for one.
    _loaded = None
    is_file = target.endswith(".py") or "/" in target
    origin = str(Path(target).resolve()) if is_file else target
    try:
        if is_file:
            path = Path(target).resolve()
            if not path.is_file():
                raise AssistantLoadError(f"Assistant file not found: {path}")
            _import_file(path)
        elif target in sys.modules:
            # The hooks were just cleared: the module body must run again to register them.
            importlib.reload(sys.modules[target])
        else:
            importlib.import_module(target)
    except AssistantLoadError:
        raise
    except BaseException as error:
        if isinstance(error, KeyboardInterrupt | SystemExit):
            raise
        if not is_file:
            spec = importlib.util.find_spec(target.split(".")[0])
            origin = getattr(spec, "origin", None) or target
        raise AssistantLoadError(
            f"Could not load the assistant {target!r}: {type(error).__name__}: {error} "
            f"(at {_where(error, origin)})"
        ) from error
    _loaded = target


def ensure_loaded() -> None:
    load(settings.CHAT_ASSISTANT)


def identity() -> str:
    """Names the running assistant the same way each time: threads record which one ran them.

    A file is named by its absolute path, so `app.py` and `./app.py` are one assistant.
    """
    target = _loaded or settings.CHAT_ASSISTANT
    if target.endswith(".py") or "/" in target:
        return str(Path(target).resolve())
    return target

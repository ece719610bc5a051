"""The app's `public/` folder, used as Chainlit uses it: served at /public/, its
`logo_light.*` / `logo_dark.*` as the logo of each theme, its `favicon.*` as the icon, and
`avatars/<author>.*` as the picture of each author. Settings (CHAT_UI_LOGO,
CHAT_UI_FAVICON) win over these files.

The folder is the assistant's: next to an app file (`app.py` and `public/` side by side,
as a Chainlit project has them), or next to an assistant module's package file.
"""

from __future__ import annotations

import importlib.util
import os
import re
import time
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from django.conf import settings

PREFIX = "/public/"
AVATAR_PREFIX = "/avatars/"
# Chainlit accepts author names of these characters for avatars.
_AVATAR_NAME = re.compile(r"^[\w .-]{1,100}$")


def app_folder(target: str | None = None) -> Path | None:
    """The folder of the assistant named by CHAT_ASSISTANT (or `target`)."""
    target = target or settings.CHAT_ASSISTANT
    # A relative file name is relative to the working folder, which may change.
    relative = (target.endswith(".py") or "/" in target) and not target.startswith("/")
    return _folder_of(target, os.getcwd() if relative else "")


@lru_cache(maxsize=16)
def _folder_of(target: str, cwd: str) -> Path | None:
    # Resolved once per target: every message's avatar asks, and resolving walks the path
    # with a system call per part (a sixth of an answer's render). What is in the folder is
    # still read when it changes (see _avatars).
    if target.endswith(".py") or "/" in target:
        return Path(target).resolve().parent
    try:
        spec = importlib.util.find_spec(target)
    except (ImportError, ValueError):
        return None
    origin = getattr(spec, "origin", None)
    return Path(origin).resolve().parent if origin else None


def public_dir() -> Path | None:
    return _public_of(app_folder())


def _public_of(folder: Path | None) -> Path | None:
    public = folder / "public" if folder else None
    return public if public is not None and public.is_dir() else None


def _first(folder: Path, stem: str) -> str | None:
    """The name of the first file `stem.*` in the folder (sorted, so always the same one)."""
    try:
        names = sorted(p.name for p in folder.iterdir() if p.is_file())
    except OSError:
        return None
    return next((n for n in names if n.rsplit(".", 1)[0].lower() == stem), None)


def _url(relative: str) -> str:
    return PREFIX + relative


def logos() -> tuple[str, str]:
    """The light and the dark theme's logo from public/ ("" where there is none); one file
    serves both themes when only one is there."""
    public = public_dir()
    if public is None:
        return "", ""
    light, dark = _first(public, "logo_light"), _first(public, "logo_dark")
    light_url = _url(light) if light else ""
    dark_url = _url(dark) if dark else ""
    return light_url or dark_url, dark_url or light_url


def favicon() -> str:
    public = public_dir()
    found = _first(public, "favicon") if public else None
    return _url(found) if found else ""


def avatar_key(author: str) -> str | None:
    """Chainlit's file name for an author's avatar: lower case, spaces and dots as "_"."""
    author = (author or "").strip()
    if not _AVATAR_NAME.match(author):
        return None
    return author.lower().replace(" ", "_").replace(".", "_")


@lru_cache(maxsize=8)
def _avatars(folder: str, modified: float) -> dict[str, str]:
    """The avatars in a folder, by key; read again when the folder changes."""
    found: dict[str, str] = {}
    for path in sorted(Path(folder).iterdir()):
        if path.is_file():
            found.setdefault(path.name.rsplit(".", 1)[0].lower(), path.name)
    return found


def avatar_file(author: str) -> Path | None:
    """The author's picture, as the folder is now (what serving the picture opens)."""
    key = avatar_key(author)
    found = _avatars_now(app_folder()) if key is not None else None
    if found is None:
        return None
    folder, names = found
    name = names.get(key)
    return folder / name if name else None


# Every message shown asks for its author's picture (an answer's start shows two); looking
# at the folder costs system calls each time, so what it holds is looked at again at most
# this often: a picture added while running shows from this long after.
AVATARS_FRESH_SECONDS = 1.0
_now = time.monotonic
_avatars_seen: dict[Path | None, tuple[float, tuple[Path, dict[str, str]] | None]] = {}


def _avatars_lately(app: Path | None) -> tuple[Path, dict[str, str]] | None:
    now = _now()
    seen = _avatars_seen.get(app)
    if seen is not None and now - seen[0] < AVATARS_FRESH_SECONDS:
        return seen[1]
    found = _avatars_now(app)
    if len(_avatars_seen) >= 16:  # the assistant's folder rarely changes: keep a few
        _avatars_seen.clear()
    _avatars_seen[app] = (now, found)
    return found


def _avatars_now(app: Path | None) -> tuple[Path, dict[str, str]] | None:
    """The avatars folder of the app's public folder and its pictures, by key."""
    public = _public_of(app)
    if public is None:
        return None
    folder = public / "avatars"
    try:
        modified = folder.stat().st_mtime
    except OSError:
        return None
    return folder, _avatars(str(folder), modified)


def avatar_url(author: str) -> str:
    """Where the page finds the author's picture, or "" to draw their initial."""
    key = avatar_key(author)
    found = _avatars_lately(app_folder()) if key is not None else None
    return AVATAR_PREFIX + quote(author.strip()) if found and key in found[1] else ""


def element_template(component: str) -> Path | None:
    """A custom element's template in the app's `public/elements/` (where a Chainlit app
    keeps `<Name>.jsx`): `<Name>.html`."""
    public = public_dir()
    path = public / "elements" / f"{component}.html" if public else None
    return path if path is not None and path.is_file() else None


def element_script(component: str) -> str:
    """The URL of the app's `public/elements/<Name>.js`, or ""."""
    public = public_dir()
    path = public / "elements" / f"{component}.js" if public else None
    return _url(f"elements/{component}.js") if path is not None and path.is_file() else ""


def readme_file(language: str = "") -> Path | None:
    """The app's `chainlit.md` (Chainlit's readme), in the reader's language where the app
    has one (`chainlit_de.md`, `chainlit_pt-BR.md`); None without one."""
    folder = app_folder()
    if folder is None:
        return None
    names = []
    if language:
        names += [f"chainlit_{language}.md", f"chainlit_{language.split('-')[0]}.md"]
    for name in [*names, "chainlit.md"]:
        path = folder / name
        if path.is_file():
            return path
    return None

"""A Chainlit app runs from its own folder (`cd app && chainlit run app.py`), so its
relative paths (`./data`, `open("prompts/system.txt")`) mean the app's files. runchat
serves an app file from its folder for the same reason, wherever it is started from."""

from __future__ import annotations

import os
from pathlib import Path


def enter_app_folder(target: str) -> Path | None:
    """Makes an app file's folder the working directory; a dotted module path (a package
    of the project) keeps it. Returns the folder entered, if any."""
    if not target.endswith(".py"):
        return None
    folder = Path(target).resolve().parent
    if folder.is_dir():
        os.chdir(folder)
        return folder
    return None

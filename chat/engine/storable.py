"""Text made storable: what PostgreSQL (and UTF-8 itself) cannot hold is removed or replaced.

A NUL byte cannot be stored in a PostgreSQL text or JSON field, and a lone surrogate
(which JSON lets a browser send, "\\ud800") cannot be encoded as UTF-8 at all: either one
used to fail the write and close the socket, losing the message. The rest of the text is
kept as it was: NUL goes, each lone surrogate becomes U+FFFD (the replacement character).
"""

from __future__ import annotations

import re
from typing import Any

# In a Python string a surrogate is always a lone one: JSON pairs are joined on parsing.
SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def storable_text(text: str) -> str:
    if text.isascii():  # the usual case, and cheap: only NUL can be wrong
        return text.replace("\x00", "") if "\x00" in text else text
    return SURROGATE.sub(REPLACEMENT, text.replace("\x00", ""))


def storable(value: Any) -> Any:
    """A parsed JSON value with every string in it (keys too) made storable."""
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, list):
        return [storable(item) for item in value]
    if isinstance(value, dict):
        return {storable_text(str(k)): storable(v) for k, v in value.items()}
    return value

"""URLs of a thread's items, built from a pattern reversed once instead of on every render.

Every answer links to its source and its rating form; Django's `reverse()` resolves the
whole URL tree each time (a fifth of an answer's render before this). The pattern is
reversed once per URL name, script prefix and URLconf with marker ids, then filled in.
"""

from __future__ import annotations

import re
import uuid
from functools import lru_cache
from typing import Any

from django.urls import get_script_prefix, get_urlconf, reverse

_MARKS = tuple(uuid.UUID(f"00000000-0000-4000-8000-{n:012x}") for n in range(0xF001, 0xF005))
_UUID = re.compile(r"\A[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")


@lru_cache(maxsize=64)
def _pattern(name: str, count: int, prefix: str, urlconf: Any) -> tuple[str, ...] | None:
    url = reverse(name, args=_MARKS[:count], urlconf=urlconf)
    parts = re.split("|".join(str(mark) for mark in _MARKS[:count]), url)
    if len(parts) != count + 1 or any(str(mark) in part for mark in _MARKS for part in parts):
        return None  # a mark altered or repeated by the URL: reversed each time instead
    return tuple(parts)


def item_url(name: str, *ids: Any) -> str:
    """reverse(name, args=ids) for ids that are UUIDs (or their text)."""
    texts = [str(value) for value in ids]
    parts = None
    if len(texts) <= len(_MARKS) and all(_UUID.match(text) for text in texts):
        parts = _pattern(name, len(texts), get_script_prefix(), get_urlconf())
    if parts is None:
        return reverse(name, args=ids)
    return "".join(part + text for part, text in zip(parts, [*texts, ""], strict=True))

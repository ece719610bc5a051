"""Chainlit's icon names ("globe", "mouse-pointer-click") as icons: the vendored lucide
subset in one SVG sprite, which the browser loads once and every icon then points into."""

from __future__ import annotations

import re
from functools import lru_cache

from django.contrib.staticfiles import finders

SPRITE = "vendor/lucide-1.87.0/sprite.svg"


@lru_cache(maxsize=1)
def names() -> frozenset[str]:
    """The icons the sprite has, read from it once."""
    path = finders.find(SPRITE)
    if not path:
        return frozenset()
    with open(path, encoding="utf-8") as sprite:
        return frozenset(re.findall(r'<symbol id="([a-z0-9-]+)"', sprite.read()))


def symbol(icon: str) -> str:
    """The sprite's id for an icon name, or "" when it has none. Chainlit passes lucide's
    names in kebab case; its React side also takes PascalCase ("MousePointerClick")."""
    if not icon or len(icon) > 60 or not icon.replace("-", "").replace("_", "").isalnum():
        return ""
    kebab = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", icon.strip()).replace("_", "-").lower()
    return kebab if kebab in names() else ""

"""The company's look, from settings: name, logo, favicon, accent colours, theme, custom CSS."""

from __future__ import annotations

import hashlib
import logging
import re
from functools import cache

from django.conf import settings
from django.templatetags.static import static

logger = logging.getLogger(__name__)

THEMES = ("light", "dark")
THEME_COOKIE = "chat_theme"
DEFAULT_ACCENT = "#4f46e5"
DEFAULT_ACCENT_DARK = "#818cf8"
# A CSS colour and nothing else: it is written into a stylesheet.
_COLOUR = re.compile(
    r"^(#[0-9a-fA-F]{3,8}"
    r"|(rgb|rgba|hsl|hsla|oklch|oklab)\([0-9a-zA-Z.,%/ +-]{1,80}\)"
    r"|[a-zA-Z]{3,30})$"
)


def asset_url(value: str) -> str:
    """A full URL or a root path as is; anything else is a path under the static files."""
    if not value:
        return ""
    if value.startswith(("http://", "https://", "/")):
        return value
    return static(value)


def colour(value: str, default: str, name: str) -> str:
    value = (value or "").strip()
    if _COLOUR.match(value):
        return value
    logger.warning("%s=%r is not a CSS colour; using %s", name, value, default)
    return default


def accents() -> dict[str, str]:
    return {
        "accent": colour(settings.CHAT_UI_ACCENT, DEFAULT_ACCENT, "CHAT_UI_ACCENT"),
        "accent_dark": colour(
            settings.CHAT_UI_ACCENT_DARK, DEFAULT_ACCENT_DARK, "CHAT_UI_ACCENT_DARK"
        ),
    }


@cache
def _version(accent: str, accent_dark: str) -> str:
    return hashlib.sha256(f"{accent}|{accent_dark}".encode()).hexdigest()[:12]


def stylesheet_version() -> str:
    """Changes with the colours, so browsers may keep the stylesheet for a long time."""
    found = accents()
    return _version(found["accent"], found["accent_dark"])


def theme(cookie: str | None) -> str:
    """The theme to render: the user's pick, else the site's default; "" follows the device."""
    if cookie in THEMES:
        return cookie
    return settings.CHAT_UI_THEME if settings.CHAT_UI_THEME in THEMES else ""


def header_links(items: list[str]) -> list[dict[str, str]]:
    """CHAT_UI_HEADER_LINKS as links: "Label|URL" items with an http(s) or site URL; any
    other item is left out with a warning (never a javascript: link)."""
    links = []
    for item in items:
        label, _sep, url = item.partition("|")
        label, url = label.strip(), url.strip()
        if label and (url.startswith(("https://", "http://")) or url.startswith("/")):
            links.append({"label": label, "url": url, "external": not url.startswith("/")})
        else:
            logger.warning("CHAT_UI_HEADER_LINKS: %r is not 'Label|URL'; left out", item)
    return links


def layout(value: str) -> str:
    return value if value in ("default", "wide") else "default"

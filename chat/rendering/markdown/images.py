"""Images in markdown (`![alt](url)`): shown only from places the company trusts.

The browser fetches an image as soon as it is shown, telling its host who read the
answer and when; a model that was fed a hostile document could point one anywhere. So an
image shows when its URL is on this site (the thread's own elements, our static files),
on a host of `CHAT_MARKDOWN_IMAGE_HOSTS`, or is a small raster `data:` image; any other
becomes a plain link with its alt text. The server never fetches it. The parser has
already refused `javascript:`, `vbscript:` and `data:` other than raster images.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html import escape
from urllib.parse import urlsplit

MAX_DATA_URL_CHARS = 128 * 1024
_RASTER_DATA = re.compile(r"data:image/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]+\Z", re.I)


def image_allowed(url: str, hosts: Iterable[str]) -> bool:
    if url.lower().startswith("data:"):
        return len(url) <= MAX_DATA_URL_CHARS and bool(_RASTER_DATA.match(url))
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if not parts.scheme and not parts.netloc:
        # This site: a path of ours ("/threads/.../elements/..."), never "//elsewhere".
        return url.startswith("/") and not url.startswith(("//", "/\\"))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    return parts.hostname.lower() in {host.lower() for host in hosts}


def is_data_image(url: str) -> bool:
    """A small raster picture in the URL itself: its `<img>` is built only from checked
    parts (this pattern, escaped), and goes in after sanitising, which drops `data:`."""
    return url.lower().startswith("data:") and image_allowed(url, ())


def image_html(url: str, alt: str, title: str, hosts: Iterable[str]) -> str:
    """An `<img>` when the URL is allowed, else a link (or, for a refused data URL, the alt)."""
    if image_allowed(url, hosts):
        title_attr = f' title="{escape(title)}"' if title else ""
        return (
            f'<img class="markdown-image" src="{escape(url)}" alt="{escape(alt)}"{title_attr}'
            ' loading="lazy">'
        )
    label = escape(alt or url, quote=False)
    if url.lower().startswith(("http://", "https://")):
        return f'<a href="{escape(url)}">{label}</a>'
    return label

"""Which pages may open a websocket: the site's own origin and CSRF_TRUSTED_ORIGINS,
compared by scheme, host and port.

Browsers send cookies with a websocket opened from any page, and Django's CSRF check does
not cover websockets, so the Origin header is the only thing that tells our page from
another one. Channels' AllowedHostsOriginValidator compares the host only: a page on
another port or scheme of an allowed host (a dev server on :3000, plain http beside
https) could open a socket as the signed-in user. Here the request's own origin is the
scheme (as the trusted proxies tell it, chatproject.proxies) with the Host header, port
included; the Host must be one of ALLOWED_HOSTS, as for any page.

The copilot panel needs nothing more: its socket is opened by our own page inside the
host page's frame, so its Origin is ours.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host
from django.utils.http import is_same_domain

DEFAULT_PORTS = {"http": 80, "https": 443}
Origin = tuple[str, str, int]


def parse_origin(text: str) -> Origin | None:
    """(scheme, host, port) of `scheme://host[:port]`; None for anything else ("null")."""
    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname or parts.path not in ("", "/"):
        return None
    return scheme, parts.hostname.lower(), port or DEFAULT_PORTS[scheme]


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers") or []:
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def own_origin(scope: dict[str, Any]) -> Origin | None:
    """The origin of a page of this site as the browser saw it, if its Host is allowed."""
    host = _header(scope, b"host")
    if not host:
        return None
    domain, _ = split_domain_port(host.lower())
    allowed_hosts = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed_hosts:
        allowed_hosts = [".localhost", "127.0.0.1", "[::1]"]  # what Django allows then
    if not domain or not validate_host(domain, allowed_hosts):
        return None
    scheme = "https" if scope.get("scheme") in ("wss", "https") else "http"
    return parse_origin(f"{scheme}://{host}")


def _trusted(origin: Origin, pattern: str) -> bool:
    """CSRF_TRUSTED_ORIGINS' syntax: `https://chat.example.com[:port]` or
    `https://*.example.com` for every subdomain."""
    wildcard = "://*." in pattern
    allowed = parse_origin(pattern.replace("://*.", "://", 1) if wildcard else pattern)
    if allowed is None:
        return False
    scheme, host, port = allowed
    if wildcard:
        return (scheme, port) == origin[::2] and is_same_domain(origin[1], f".{host}")
    return allowed == origin


def origin_allowed(scope: dict[str, Any]) -> bool:
    origin = parse_origin(_header(scope, b"origin") or "")
    if origin is None:
        return False
    if origin == own_origin(scope):
        return True
    return any(_trusted(origin, pattern) for pattern in settings.CSRF_TRUSTED_ORIGINS)


class SameOriginWebsocketValidator:
    """Refuses (403 at the handshake) a websocket whose Origin is not allowed."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "websocket" and not origin_allowed(scope):
            await WebsocketDenier()(scope, receive, send)
            return
        await self.app(scope, receive, send)

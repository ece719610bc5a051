"""Who is on the other end of a request or a socket: the client's address, and whether it
came over HTTPS, believing forwarded headers only from the proxies in CHAT_TRUSTED_PROXIES.

daphne runs without `--proxy-headers` (which takes the leftmost X-Forwarded-For from
anyone), so the address it gives is the direct peer's. When that peer is a trusted proxy,
X-Forwarded-For is read right to left: each trusted hop is skipped, and the first address
that is not a trusted proxy is the client (whatever lies left of it, the client wrote
itself). X-Forwarded-Proto is believed from a trusted peer only.

`ClientAddressMiddleware` works this out once per request or socket, before Django or
Channels see it: `scope["client"]` (Django's REMOTE_ADDR) then holds the client's address
and `scope["scheme"]` (`request.is_secure()`) what the proxy said; forwarded headers from
anyone else are dropped. Everything else asks `client_of(request)` or `client_address`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

SCOPE_KEY = "chat.client"
# Only a trusted proxy may say who the client is, or by which scheme or host it came.
FORWARDED_HEADERS = frozenset(
    {
        b"x-forwarded-for",
        b"x-forwarded-proto",
        b"x-forwarded-host",
        b"x-forwarded-port",
        b"forwarded",
    }
)


SCHEMES = {
    ("http", True): "https",
    ("http", False): "http",
    ("websocket", True): "wss",
    ("websocket", False): "ws",
}


@dataclass(frozen=True)
class Client:
    address: str
    # What a trusted proxy said about the scheme: True for https, False for http, None
    # when no trusted proxy said anything (the connection's own scheme holds).
    secure: bool | None
    # The direct peer is a trusted proxy: only then may headers vouch for anything.
    via_trusted_proxy: bool


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def trusted_networks() -> tuple[Network, ...]:
    return _networks(tuple(settings.CHAT_TRUSTED_PROXIES))


def parse_address(text: str) -> Address | None:
    """An address as servers and proxies write it: `1.2.3.4`, `1.2.3.4:5678`, `::1`,
    `[::1]:443`; IPv4 mapped into IPv6 (a dual-stack socket's view) is read as IPv4."""
    text = text.strip().strip('"')
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def is_trusted_proxy(address: Address | None) -> bool:
    return address is not None and any(address in network for network in trusted_networks())


def resolve(peer: str, forwarded_for: str = "", forwarded_proto: str = "") -> Client:
    """The client behind `peer` (the socket's address), given the request's
    X-Forwarded-For and X-Forwarded-Proto values (several headers joined by commas)."""
    peer_address = parse_address(peer)
    if not is_trusted_proxy(peer_address):
        return Client(str(peer_address) if peer_address else peer, None, via_trusted_proxy=False)
    client = peer_address
    for entry in reversed(forwarded_for.split(",") if forwarded_for.strip() else []):
        hop = parse_address(entry)
        if hop is None:
            break  # garbage: the last hop we could read is as far as anyone vouches
        client = hop
        if not is_trusted_proxy(hop):
            break
    # The nearest proxy's word (the last value) is the one a trusted hop wrote.
    proto = forwarded_proto.split(",")[-1].strip().lower() if forwarded_proto else ""
    secure = {"https": True, "http": False}.get(proto)
    return Client(str(client), secure, via_trusted_proxy=True)


def _header(headers: Iterable[tuple[bytes, bytes]], name: bytes) -> str:
    return ",".join(value.decode("latin-1") for key, value in headers if key.lower() == name)


def resolve_scope(scope: dict[str, Any]) -> Client:
    peer = (scope.get("client") or ("", 0))[0]
    headers = scope.get("headers") or []
    return resolve(
        peer, _header(headers, b"x-forwarded-for"), _header(headers, b"x-forwarded-proto")
    )


class ClientAddressMiddleware:
    """Outermost ASGI layer: the client's address and scheme in the scope, once."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket"):
            scope = with_client(scope)
        await self.app(scope, receive, send)


def with_client(scope: dict[str, Any]) -> dict[str, Any]:
    client = resolve_scope(scope)
    scope = dict(scope)
    scope[SCOPE_KEY] = client
    port = (scope.get("client") or ("", 0))[1]
    scope["client"] = (client.address, port)
    if client.secure is not None:
        scope["scheme"] = SCHEMES[scope["type"], client.secure]
    if not client.via_trusted_proxy:
        scope["headers"] = [
            (key, value)
            for key, value in scope.get("headers") or []
            if key.lower() not in FORWARDED_HEADERS
        ]
    return scope


def client_of(request: HttpRequest) -> Client:
    """What the middleware found for this request; worked out from the request itself
    when it did not come through the ASGI application (the test client, WSGI)."""
    found = getattr(request, "scope", {}).get(SCOPE_KEY)
    if found is not None:
        return found
    return resolve(
        request.META.get("REMOTE_ADDR", ""),
        request.META.get("HTTP_X_FORWARDED_FOR", ""),
        request.META.get("HTTP_X_FORWARDED_PROTO", ""),
    )


def client_address(request: HttpRequest) -> str:
    return client_of(request).address

"""Who is on the other end of a request or a socket: the client's address, and whether it
came over HTTPS, believing forwarded headers only from the proxies in CHAT_TRUSTED_PROXIES.

daphne runs without `--proxy-headers` (which takes the leftmost X-Forwarded-For from
anyone), so the address it gives is the direct peer's. When that peer is a trusted proxy,
X-Forwarded-For is read right to left: each trusted hop is skipped, and the first address
that is not a trusted proxy is the client (whatever lies left of it, the client wrote
itself). X-Forwarded-Proto and X-Forwarded-Host are believed from a trusted peer only (the
nearest proxy's value: the last one); the host then stands in for the Host header.

The SSO header is judged apart, by CHAT_SSO_TRUSTED_PROXIES: it is believed only when the
request passed through one of those proxies, that is when one of them is a hop the chain
vouches for: the peer itself (the SSO proxy talks to us directly), or an X-Forwarded-For
hop written by a trusted proxy (a load balancer between the SSO proxy and us). Neither
list stands in for the other: a load balancer that also routes around the SSO proxy is a
trusted proxy, and its clients still cannot sign anyone in.

With `daphne -u` (a unix socket) there is no peer address: the proxy is on this machine.
It is trusted only when a list holds the word `unix`; otherwise the client is counted as
UNIX_SOCKET_CLIENT (one address for every client, so the per-address limits still work).

`ClientAddressMiddleware` works this out once per request or socket, before Django or
Channels see it: `scope["client"]` (Django's REMOTE_ADDR) then holds the client's address
and `scope["scheme"]` (`request.is_secure()`) what the proxy said, the Host header the host
it forwarded; forwarded headers from
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


# What a trusted proxy may say in X-Forwarded-Proto (Traefik says ws/wss on sockets).
SECURE_PROTOS = {"https": True, "wss": True, "http": False, "ws": False}
# A trusted-list entry that stands for a peer on a unix socket (daphne -u).
UNIX_SOCKET = "unix"
# The address of a client that came over an untrusted unix socket (nothing better is known).
UNIX_SOCKET_CLIENT = "0.0.0.0"  # noqa: S104 (an address to count by, not to bind)

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
    # The request passed through a proxy of CHAT_SSO_TRUSTED_PROXIES: only then is the
    # SSO header believed.
    via_sso_proxy: bool = False


def parse_network(entry: str) -> Network:
    """A list entry as a network; IPv4 mapped into IPv6 (`::ffff:10.0.0.0/104`) is read as
    IPv4, as peers are, or it would never match one."""
    network = ipaddress.ip_network(entry.strip(), strict=False)
    if isinstance(network, ipaddress.IPv6Network) and network.prefixlen >= 96:
        mapped = network.network_address.ipv4_mapped
        if mapped is not None:
            return ipaddress.ip_network(f"{mapped}/{network.prefixlen - 96}")
    return network


@lru_cache(maxsize=16)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(parse_network(entry) for entry in entries if entry.strip() != UNIX_SOCKET)


def trusted_networks() -> tuple[Network, ...]:
    return _networks(tuple(settings.CHAT_TRUSTED_PROXIES))


def sso_networks() -> tuple[Network, ...]:
    return _networks(tuple(settings.CHAT_SSO_TRUSTED_PROXIES))


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


def is_sso_proxy(address: Address | None) -> bool:
    return address is not None and any(address in network for network in sso_networks())


def _unix_socket_listed(entries: list[str]) -> bool:
    return any(entry.strip() == UNIX_SOCKET for entry in entries)


def resolve(peer: str, forwarded_for: str = "", forwarded_proto: str = "") -> Client:
    """The client behind `peer` (the socket's address; "" on a unix socket), given the
    request's X-Forwarded-For and X-Forwarded-Proto values (several headers joined by
    commas)."""
    peer_address = parse_address(peer)
    on_unix_socket = not peer.strip()
    if on_unix_socket:
        trusted_peer = _unix_socket_listed(settings.CHAT_TRUSTED_PROXIES)
        sso_peer = _unix_socket_listed(settings.CHAT_SSO_TRUSTED_PROXIES)
    else:
        trusted_peer = is_trusted_proxy(peer_address)
        sso_peer = is_sso_proxy(peer_address)
    if not trusted_peer:
        address = UNIX_SOCKET_CLIENT if on_unix_socket else str(peer_address or peer)
        return Client(address, None, via_trusted_proxy=False, via_sso_proxy=sso_peer)
    client = str(peer_address) if peer_address else UNIX_SOCKET_CLIENT
    # Every hop a trusted proxy vouches for, up to the client: did one of them sign it in?
    via_sso = sso_peer
    for entry in reversed(forwarded_for.split(",") if forwarded_for.strip() else []):
        hop = parse_address(entry)
        if hop is None:
            break  # garbage: the last hop we could read is as far as anyone vouches
        client = str(hop)
        # A trusted proxy wrote this hop: the request did come from it (the first
        # untrusted one is the client, or the SSO proxy when that is not a trusted proxy).
        via_sso = via_sso or is_sso_proxy(hop)
        if not is_trusted_proxy(hop):
            break
    # The nearest proxy's word (the last value) is the one a trusted hop wrote.
    proto = forwarded_proto.split(",")[-1].strip().lower() if forwarded_proto else ""
    return Client(client, SECURE_PROTOS.get(proto), via_trusted_proxy=True, via_sso_proxy=via_sso)


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
    if client.via_trusted_proxy:
        forwarded_host = _header(scope.get("headers") or [], b"x-forwarded-host")
        # The nearest proxy's word, as for the scheme. It becomes the Host header, so that
        # Django (ALLOWED_HOSTS, absolute links, the HTTPS redirect) and the socket's
        # origin check all see the name the browser used.
        host = forwarded_host.split(",")[-1].strip()
        if host:
            scope["headers"] = [
                (key, value) for key, value in scope.get("headers") or [] if key.lower() != b"host"
            ] + [(b"host", host.encode("latin-1"))]
    else:
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

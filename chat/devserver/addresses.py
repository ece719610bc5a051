"""Where `runchat` serves: its arguments read as Django's runserver reads an address, and
whether that port can be had before anything is printed."""

from __future__ import annotations

import errno
import ipaddress
import re
import socket
from dataclasses import dataclass

from django.core.management.commands.runserver import naiveip_re

DEFAULT_ADDRPORT = "127.0.0.1:8000"


def is_addrport(text: str) -> bool:
    """`8000`, `0.0.0.0:8000`, `[::1]:8000`, `localhost:8000`: never a file or a module."""
    return re.match(naiveip_re, text) is not None


def split_arguments(first: str | None, second: str | None) -> tuple[str | None, str]:
    """The assistant and the address from `runchat [assistant] [addr:port]`.

    With two arguments the first is the assistant, whatever it looks like (a dotted module
    path such as `chat.assistants.default` reads as a host name too); a lone argument is
    the address only when it is one.
    """
    if second is not None:
        return first, second
    if first is not None and is_addrport(first) and not first.endswith(".py"):
        return None, first
    return first, DEFAULT_ADDRPORT


@dataclass(frozen=True)
class Address:
    host: str
    port: int
    ipv6: bool

    @classmethod
    def parse(cls, addrport: str) -> Address:
        match = re.match(naiveip_re, addrport)
        if match is None:
            raise ValueError(f"{addrport!r} is not a port number or an address:port pair")
        host = match["addr"] or "127.0.0.1"
        ipv6 = bool(match["ipv6"])
        return cls(host=host[1:-1] if ipv6 else host, port=int(match["port"]), ipv6=ipv6)

    @property
    def url(self) -> str:
        """The address to open in a browser (a server on every interface is local too)."""
        host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(self.host, self.host)  # noqa: S104
        shown = f"[{host}]" if self.ipv6 else host
        return f"http://{shown}:{self.port}/"

    @property
    def is_loopback(self) -> bool:
        """Only this machine can reach a server listening here."""
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False  # a host name: it may resolve to an address others reach

    @property
    def addrport(self) -> str:
        return f"[{self.host}]:{self.port}" if self.ipv6 else f"{self.host}:{self.port}"

    def unavailable(self) -> str | None:
        """Why the server could not listen here (None when it can): bound and let go at
        once, with SO_REUSEADDR as the server binds, so a port left in TIME_WAIT by the
        previous run counts as free and one that a program listens on does not."""
        if self.port == 0:
            return None
        try:
            infos = socket.getaddrinfo(self.host, self.port, type=socket.SOCK_STREAM)
        except OSError as error:
            return f"{self.host} is not an address of this machine ({error})"
        family, kind, proto, _, sockaddr = infos[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(sockaddr)
            except OSError as error:
                if error.errno == errno.EADDRINUSE:
                    return "another program is listening on it"
                return error.strerror or str(error)
        return None

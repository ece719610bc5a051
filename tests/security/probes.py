"""An attacker's HTTP client and a watch on the server's memory: large bodies streamed
from a generator (never built in memory), with or without a Content-Length, stopping
as soon as the server answers; and the rise of a process's peak resident memory.
Used by the tests and by bench/bombs.py."""

from __future__ import annotations

import contextlib
import select
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

MB = 1024 * 1024
BOUNDARY = "----probe-boundary-7d1f"


@dataclass
class Reply:
    status: int | None  # None: the connection was closed without an answer
    sent: int  # body bytes the server took before answering or closing
    head: bytes
    body: bytes

    @property
    def location(self) -> str:
        for line in self.head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"location":
                return value.strip().decode()
        return ""


def repeated(total: int, piece: bytes = b"A" * MB) -> Iterator[bytes]:
    """`total` bytes, a piece at a time."""
    left = total
    while left > 0:
        yield piece[:left]
        left -= len(piece)


def multipart_file(name: str, size: int, field: str = "files") -> tuple[int, Iterator[bytes]]:
    """A multipart/form-data body of one file of `size` bytes: its length and its pieces."""
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{field}"; '
        f'filename="{name}"\r\nContent-Type: application/octet-stream\r\n\r\n'
    ).encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()

    def pieces() -> Iterator[bytes]:
        yield head
        yield from repeated(size)
        yield tail

    return len(head) + size + len(tail), pieces()


def multipart_content(name: str, content: bytes, field: str = "files") -> tuple[int, list[bytes]]:
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{field}"; '
        f'filename="{name}"\r\nContent-Type: application/octet-stream\r\n\r\n'
    ).encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    return len(head) + len(content) + len(tail), [head, content, tail]


MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


def _answered(sock: socket.socket) -> bool:
    readable, _, _ = select.select([sock], [], [], 0)
    return bool(readable)


def post(
    port: int,
    path: str,
    pieces: Iterator[bytes] | list[bytes],
    *,
    length: int | None,
    headers: dict[str, str] | None = None,
    timeout: float = 120,
) -> Reply:
    """POSTs the pieces as they come: with a Content-Length, or chunked when `length` is
    None. Stops sending once the server answers or closes, as browsers do."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    lines = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    lines.append(
        f"Content-Length: {length}" if length is not None else "Transfer-Encoding: chunked"
    )
    sent = 0
    try:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        for piece in pieces:
            if _answered(sock):
                break
            sock.sendall(piece if length is not None else b"%x\r\n%s\r\n" % (len(piece), piece))
            sent += len(piece)
        else:
            if length is None:
                sock.sendall(b"0\r\n\r\n")
        return _read_reply(sock, sent)
    except (BrokenPipeError, ConnectionResetError):
        return _read_reply(sock, sent)
    finally:
        sock.close()


def _read_reply(sock: socket.socket, sent: int) -> Reply:
    data = b""
    with contextlib.suppress(OSError):
        while True:
            piece = sock.recv(65536)
            if not piece:
                break
            data += piece
    head, _, body = data.partition(b"\r\n\r\n")
    status = None
    if head.startswith(b"HTTP/"):
        status = int(head.split(b" ", 2)[1])
    return Reply(status, sent, head, body)


class Memory:
    """A process's resident memory, from /proc (Linux): its peak is reset on demand, so
    that what one action cost is read as the peak's rise above the memory before it."""

    def __init__(self, pid: int) -> None:
        self.proc = Path(f"/proc/{pid}")

    def _kb(self, field: str) -> int:
        for line in (self.proc / "status").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1])
        raise LookupError(field)

    def rss_mb(self) -> float:
        return self._kb("VmRSS:") / 1024

    def peak_rise_mb(self, action: Callable[[], object]) -> tuple[float, object]:
        """(how far the peak rose above the memory before, in MB; what `action` returned)."""
        (self.proc / "clear_refs").write_text("5")
        before = self.rss_mb()
        result = action()
        time.sleep(0.2)  # whatever the server still does with what it received
        return self._kb("VmHWM:") / 1024 - before, result

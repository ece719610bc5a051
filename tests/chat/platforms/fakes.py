"""A small fake of a platform's web API on 127.0.0.1: records each call, answers as told."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import default
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any = field(default=None)
    raw: bytes = b""  # the body as sent


def _multipart(kind: str, raw: bytes) -> dict[str, Any]:
    """A multipart/form-data body as {field: text, or (filename, content type, bytes)}."""
    message = BytesParser(policy=default).parsebytes(f"Content-Type: {kind}\r\n\r\n".encode() + raw)
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        data = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        fields[str(name)] = (filename, part.get_content_type(), data) if filename else data.decode()
    return fields


Responder = Callable[[Call], tuple[int, Any]]


class FakeApi:
    def __init__(self, respond: Responder) -> None:
        self.respond = respond
        self.calls: list[Call] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                kind = self.headers.get("Content-Type", "")
                body: Any = raw
                if "json" in kind and raw:
                    body = json.loads(raw)
                elif "multipart/form-data" in kind:
                    body = _multipart(kind, raw)
                elif "form-urlencoded" in kind:
                    body = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                call = Call(
                    method=self.command,
                    path=parts.path,
                    query={k: v[0] for k, v in parse_qs(parts.query).items()},
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                    raw=raw,
                )
                fake.calls.append(call)
                status, answer = fake.respond(call)
                data = b"" if answer is None else json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeApi:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()

    def named(self, path_end: str, method: str | None = None) -> list[Call]:
        return [
            c
            for c in list(self.calls)
            if c.path.endswith(path_end) and (method is None or c.method == method)
        ]

"""A socket's request as Chainlit's `cl.context.session.environ` shows it: WSGI-style names
for the handshake's headers (`HTTP_USER_AGENT`, `HTTP_REFERER`, ...).

Cookies and credentials are left out: the assistant's code never needs the person's
session cookie, and a hook that logs its environ must not leak it.
"""

from __future__ import annotations

from typing import Any

_WITHHELD = {b"cookie", b"authorization", b"proxy-authorization"}


def request_environ(scope: dict[str, Any]) -> dict[str, str]:
    environ: dict[str, str] = {}
    for name, value in scope.get("headers", []):
        if name.lower() in _WITHHELD:
            continue
        key = "HTTP_" + name.decode("latin-1").upper().replace("-", "_")
        text = value.decode("latin-1")
        # Repeated headers are joined, as a WSGI server joins them.
        environ[key] = f"{environ[key]},{text}" if key in environ else text
    client = scope.get("client")
    if client:
        environ["REMOTE_ADDR"] = str(client[0])
    environ["PATH_INFO"] = scope.get("path", "")
    return environ

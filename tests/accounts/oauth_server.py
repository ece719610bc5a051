"""What every fake OAuth 2 / OpenID Connect provider of the tests does the same way: serve
HTTP(S) on 127.0.0.1 from a thread, read a request, answer JSON or a redirect, check the
client's secret and the PKCE verifier, publish discovery and JWKS, sign id_tokens."""

from __future__ import annotations

import base64
import hashlib
import json
import ssl
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import SplitResult, parse_qs, urlsplit

import jwt


def serve(
    handle: Callable[[BaseHTTPRequestHandler, str], None], tls: ssl.SSLContext | None = None
) -> tuple[ThreadingHTTPServer, str]:
    """A server on a free port calling handle(handler, method) for GET and POST; its URL."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # quiet
            pass

        def do_GET(self) -> None:
            handle(self, "GET")

        def do_POST(self) -> None:
            handle(self, "POST")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    url = f"{'https' if tls else 'http'}://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, url


def stop(server: ThreadingHTTPServer | None) -> None:
    if server is not None:
        server.shutdown()
        server.server_close()


def read(
    handler: BaseHTTPRequestHandler, method: str
) -> tuple[SplitResult, dict[str, str], dict[str, str]]:
    """The request's path parts, its query and its form body (first values)."""
    parts = urlsplit(handler.path)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    body: dict[str, str] = {}
    if method == "POST":
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length).decode()
        body = {k: v[0] for k, v in parse_qs(raw).items()}
    return parts, query, body


def send(handler: BaseHTTPRequestHandler, status: int, payload: Any) -> None:
    """JSON, or a redirect to payload["Location"] for a 302."""
    if status == 302:
        handler.send_response(302)
        handler.send_header("Location", payload["Location"])
        handler.send_header("Content-Length", "0")
        handler.end_headers()
        return
    data = json.dumps(payload).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


def client_credentials(handler: BaseHTTPRequestHandler, body: dict[str, str]) -> tuple[Any, Any]:
    """(client id, secret) from HTTP Basic, or else from the form (client_secret_post)."""
    auth = handler.headers.get("Authorization", "")
    if auth.startswith("Basic "):
        client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
        return client_id, secret
    return body.get("client_id"), body.get("client_secret")


def pkce_holds(challenge: str | None, verifier: str) -> bool:
    """Whether the verifier answers the S256 challenge (true when none was asked)."""
    if not challenge:
        return True
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == challenge


def discovery(issuer: str) -> dict[str, Any]:
    """The OpenID Connect discovery document of an issuer serving the usual paths."""
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/authorize",
        "token_endpoint": f"{issuer}/token",
        "userinfo_endpoint": f"{issuer}/userinfo",
        "jwks_uri": f"{issuer}/jwks",
        "response_types_supported": ["code"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
    }


def jwks(key: Any, key_id: str) -> dict[str, Any]:
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    return {"keys": [{**jwk, "kid": key_id, "use": "sig", "alg": "RS256"}]}


def id_token(
    claims: dict[str, Any], *, issuer: str, audience: str, nonce: str | None, key: Any, key_id: str
) -> str:
    """An id_token for five minutes, signed RS256."""
    now = int(time.time())
    signed = {
        **claims,
        "iss": issuer,
        "aud": audience,
        "iat": now,
        "exp": now + 300,
        **({"nonce": nonce} if nonce else {}),
    }
    return jwt.encode(signed, key, algorithm="RS256", headers={"kid": key_id})

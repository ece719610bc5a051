"""A small OpenID Connect provider on 127.0.0.1, for signing in through the real flow.

It serves discovery, authorize (consents at once, for whoever `next_user` says), token
(checks the client's secret, the code, the redirect URI and the PKCE verifier), userinfo
and JWKS, and signs its id_tokens with an RSA key made for the test run.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

CLIENT_ID = "chat-client"
CLIENT_SECRET = "chat-client-secret"
KEY_ID = "test-key-1"


@dataclass
class Grant:
    claims: dict[str, Any]
    redirect_uri: str
    nonce: str | None
    code_challenge: str | None


@dataclass
class OidcProvider:
    next_user: dict[str, Any] = field(
        default_factory=lambda: {
            "sub": "u-1001",
            "email": "olivia@corp.example",
            "email_verified": True,
            "name": "Olivia Okafor",
            "groups": ["support"],
        }
    )
    requests: list[str] = field(default_factory=list)
    url: str = ""

    def __post_init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.grants: dict[str, Grant] = {}
        self.tokens: dict[str, dict[str, Any]] = {}
        self._server: ThreadingHTTPServer | None = None

    # -- running ---------------------------------------------------------------------
    def start(self) -> OidcProvider:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                provider.handle(self, "GET")

            def do_POST(self) -> None:
                provider.handle(self, "POST")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    # -- endpoints -------------------------------------------------------------------
    def handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(handler.path)
        self.requests.append(f"{method} {parts.path}")
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        body: dict[str, str] = {}
        if method == "POST":
            length = int(handler.headers.get("Content-Length") or 0)
            raw = handler.rfile.read(length).decode()
            body = {k: v[0] for k, v in parse_qs(raw).items()}
        routes = {
            ("GET", "/.well-known/openid-configuration"): self.discovery,
            ("GET", "/authorize"): self.authorize,
            ("POST", "/token"): self.token,
            ("GET", "/userinfo"): self.userinfo,
            ("GET", "/jwks"): self.jwks,
        }
        route = routes.get((method, parts.path))
        if route is None:
            return self._send(handler, 404, {"error": "not_found"})
        status, payload = route(handler, query, body)
        self._send(handler, status, payload)

    def discovery(self, handler, query, body):
        return 200, {
            "issuer": self.url,
            "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token",
            "userinfo_endpoint": f"{self.url}/userinfo",
            "jwks_uri": f"{self.url}/jwks",
            "response_types_supported": ["code"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        }

    def authorize(self, handler, query, body):
        if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
            return 400, {"error": "invalid_request"}
        code = secrets.token_urlsafe(16)
        self.grants[code] = Grant(
            claims=dict(self.next_user),
            redirect_uri=query["redirect_uri"],
            nonce=query.get("nonce"),
            code_challenge=query.get("code_challenge"),
        )
        target = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"
        return 302, {"Location": target}

    def _client_ok(self, handler, body) -> bool:
        auth = handler.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
        else:
            client_id, secret = body.get("client_id"), body.get("client_secret")
        return client_id == CLIENT_ID and secret == CLIENT_SECRET

    def token(self, handler, query, body):
        if not self._client_ok(handler, body):
            return 401, {"error": "invalid_client"}
        grant = self.grants.pop(body.get("code", ""), None)
        if grant is None or body.get("redirect_uri") != grant.redirect_uri:
            return 400, {"error": "invalid_grant"}
        if grant.code_challenge:
            digest = hashlib.sha256(body.get("code_verifier", "").encode()).digest()
            if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != grant.code_challenge:
                return 400, {"error": "invalid_grant", "error_description": "PKCE"}
        access_token = secrets.token_urlsafe(24)
        self.tokens[access_token] = grant.claims
        now = int(time.time())
        id_claims = {
            **grant.claims,
            "iss": self.url,
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            **({"nonce": grant.nonce} if grant.nonce else {}),
        }
        id_token = jwt.encode(id_claims, self.key, algorithm="RS256", headers={"kid": KEY_ID})
        return 200, {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": 3600,
            "id_token": id_token,
        }

    def userinfo(self, handler, query, body):
        auth = handler.headers.get("Authorization", "")
        claims = self.tokens.get(auth.removeprefix("Bearer "))
        if claims is None:
            return 401, {"error": "invalid_token"}
        return 200, claims

    def jwks(self, handler, query, body):
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return 200, {"keys": [{**jwk, "kid": KEY_ID, "use": "sig", "alg": "RS256"}]}

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, status: int, payload: dict) -> None:
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

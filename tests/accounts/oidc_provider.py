"""A small OpenID Connect provider on 127.0.0.1, for signing in through the real flow.

It serves discovery, authorize (consents at once, for whoever `next_user` says), token
(checks the client's secret, the code, the redirect URI and the PKCE verifier), userinfo
and JWKS, and signs its id_tokens with an RSA key made for the test run.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlencode

from cryptography.hazmat.primitives.asymmetric import rsa

from tests.accounts import oauth_server

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
        self._server, self.url = oauth_server.serve(self.handle)
        return self

    def stop(self) -> None:
        oauth_server.stop(self._server)

    # -- endpoints -------------------------------------------------------------------
    def handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parts, query, body = oauth_server.read(handler, method)
        self.requests.append(f"{method} {parts.path}")
        routes = {
            ("GET", "/.well-known/openid-configuration"): self.discovery,
            ("GET", "/authorize"): self.authorize,
            ("POST", "/token"): self.token,
            ("GET", "/userinfo"): self.userinfo,
            ("GET", "/jwks"): self.jwks,
        }
        route = routes.get((method, parts.path))
        if route is None:
            return oauth_server.send(handler, 404, {"error": "not_found"})
        status, payload = route(handler, query, body)
        oauth_server.send(handler, status, payload)

    def discovery(self, handler, query, body):
        return 200, oauth_server.discovery(self.url)

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

    def token(self, handler, query, body):
        if oauth_server.client_credentials(handler, body) != (CLIENT_ID, CLIENT_SECRET):
            return 401, {"error": "invalid_client"}
        grant = self.grants.pop(body.get("code", ""), None)
        if grant is None or body.get("redirect_uri") != grant.redirect_uri:
            return 400, {"error": "invalid_grant"}
        if not oauth_server.pkce_holds(grant.code_challenge, body.get("code_verifier", "")):
            return 400, {"error": "invalid_grant", "error_description": "PKCE"}
        access_token = secrets.token_urlsafe(24)
        self.tokens[access_token] = grant.claims
        id_token = oauth_server.id_token(
            grant.claims,
            issuer=self.url,
            audience=CLIENT_ID,
            nonce=grant.nonce,
            key=self.key,
            key_id=KEY_ID,
        )
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
        return 200, oauth_server.jwks(self.key, KEY_ID)

"""Named identity providers faked on one HTTPS server on 127.0.0.1, each under a path of
its own and speaking its own dialect of OAuth 2: GitHub Enterprise, GitLab, Microsoft
Entra ID (with its Graph profile), Okta, Amazon Cognito, and OpenID Connect issuers
(Keycloak, Auth0, Descope).

allauth's Okta, Cognito, GitLab and Auth0 adapters build `https://` URLs from a domain, so
the server speaks TLS with a certificate made for the run; the site trusts it through
REQUESTS_CA_BUNDLE. Each authorize consents at once; each token endpoint checks the
client's id and secret, the code, the redirect URI and the PKCE verifier when one was
sent; each profile endpoint answers only to the token it issued.
"""

from __future__ import annotations

import datetime
import ipaddress
import re
import secrets
import ssl
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from tests.accounts import oauth_server

KEY_ID = "fake-idp-key"
TENANT = "corp-tenant"


@dataclass(frozen=True)
class Person:
    """Who signs in at every provider: the same person, in each provider's own shape."""

    email: str = "olivia@corp.example"
    given_name: str = "Olivia"
    family_name: str = "Okafor"

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}"


def profile(dialect: str, person: Person) -> dict[str, Any]:
    """The profile each provider's API answers with (its field names, its uid field)."""
    if dialect == "github":
        return {"id": 4242, "login": "olivia", "name": person.name, "email": None}
    if dialect == "gitlab":
        return {"id": 77, "username": "olivia", "name": person.name, "email": person.email}
    if dialect == "entra":
        return {
            "id": "entra-oid-1",
            "displayName": person.name,
            "givenName": person.given_name,
            "surname": person.family_name,
            "mail": person.email,
            "userPrincipalName": person.email,
        }
    claims = {
        "sub": f"{dialect}-sub-1",
        "email": person.email,
        "name": person.name,
        "given_name": person.given_name,
        "family_name": person.family_name,
        "email_verified": True,
    }
    if dialect == "cognito":
        claims["email_verified"] = "true"  # Cognito says it as a string
    return claims


@dataclass
class Grant:
    dialect: str
    client_id: str
    redirect_uri: str
    nonce: str | None
    code_challenge: str | None
    issuer: str | None


@dataclass
class Route:
    dialect: str
    kind: str  # authorize, token, profile, emails, discovery, jwks
    issuer: str | None = None  # the OpenID Connect issuer's path, for discovery and id_tokens


def client_id_of(dialect: str) -> str:
    return f"{dialect}-client"


def client_secret_of(dialect: str) -> str:
    return f"{dialect}-secret"


OIDC_ISSUERS = {
    "keycloak": "/keycloak/realms/staff",
    "auth0": "/auth0",
    "descope": f"/descope/{client_id_of('descope')}",  # Descope: API URL + project id
}

ROUTES: list[tuple[str, str, Route]] = [
    ("GET", "/ghe/login/oauth/authorize", Route("github", "authorize")),
    ("POST", "/ghe/login/oauth/access_token", Route("github", "token")),
    ("GET", "/ghe/api/v3/user", Route("github", "profile")),
    ("GET", "/ghe/api/v3/user/emails", Route("github", "emails")),
    ("GET", "/gitlab/oauth/authorize", Route("gitlab", "authorize")),
    ("POST", "/gitlab/oauth/token", Route("gitlab", "token")),
    ("GET", "/gitlab/api/v4/user", Route("gitlab", "profile")),
    # Entra ID answers under the tenant's path only: the site must ask the company's tenant.
    ("GET", f"/entra/{TENANT}/oauth2/v2.0/authorize", Route("entra", "authorize")),
    ("POST", f"/entra/{TENANT}/oauth2/v2.0/token", Route("entra", "token")),
    ("GET", "/graph/v1.0/me", Route("entra", "profile")),
    ("GET", "/okta/oauth2/v1/authorize", Route("okta", "authorize")),
    ("POST", "/okta/oauth2/v1/token", Route("okta", "token")),
    ("GET", "/okta/oauth2/v1/userinfo", Route("okta", "profile")),
    ("GET", "/cognito/oauth2/authorize", Route("cognito", "authorize")),
    ("POST", "/cognito/oauth2/token", Route("cognito", "token")),
    ("GET", "/cognito/oauth2/userInfo", Route("cognito", "profile")),
]
for _dialect, _issuer in OIDC_ISSUERS.items():
    ROUTES += [
        (
            "GET",
            f"{_issuer}/.well-known/openid-configuration",
            Route(_dialect, "discovery", _issuer),
        ),
        ("GET", f"{_issuer}/authorize", Route(_dialect, "authorize", _issuer)),
        ("POST", f"{_issuer}/token", Route(_dialect, "token", _issuer)),
        ("GET", f"{_issuer}/userinfo", Route(_dialect, "profile", _issuer)),
        ("GET", f"{_issuer}/jwks", Route(_dialect, "jwks", _issuer)),
    ]


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, as PEM files; the certificate is its own CA."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fake identity providers")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "idp-cert.pem", directory / "idp-key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@dataclass
class IdentityProviders:
    directory: Path
    person: Person = field(default_factory=Person)
    requests: list[str] = field(default_factory=list)
    url: str = ""
    ca_bundle: Path | None = None

    def __post_init__(self) -> None:
        self.signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.grants: dict[str, Grant] = {}
        self.tokens: dict[str, tuple[str, dict[str, Any]]] = {}
        self._server: ThreadingHTTPServer | None = None

    # -- running ---------------------------------------------------------------------
    def start(self) -> IdentityProviders:
        cert_path, key_path = self_signed_certificate(self.directory)
        self.ca_bundle = cert_path
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_path, key_path)
        self._server, self.url = oauth_server.serve(self.handle, tls=context)
        return self

    def stop(self) -> None:
        oauth_server.stop(self._server)

    @property
    def host(self) -> str:
        """The server as a domain variable names it: host, port and no scheme."""
        return self.url.removeprefix("https://")

    def asked(self, dialect: str) -> list[str]:
        return [request for request in self.requests if request.startswith(f"{dialect} ")]

    # -- endpoints -------------------------------------------------------------------
    def handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parts, query, body = oauth_server.read(handler, method)
        route = next(
            (r for m, path, r in ROUTES if m == method and path == parts.path.rstrip("/")), None
        )
        if route is None:
            self.requests.append(f"? {method} {parts.path}")
            return oauth_server.send(handler, 404, {"error": "not_found"})
        self.requests.append(f"{route.dialect} {route.kind}")
        status, payload = getattr(self, route.kind)(route, handler, query, body)
        oauth_server.send(handler, status, payload)

    def discovery(self, route: Route, handler, query, body):
        return 200, oauth_server.discovery(f"{self.url}{route.issuer}")

    def authorize(self, route: Route, handler, query, body):
        if query.get("client_id") != client_id_of(route.dialect):
            return 400, {"error": "invalid_client"}
        if route.dialect != "github" and query.get("response_type") != "code":
            return 400, {"error": "unsupported_response_type"}
        code = secrets.token_urlsafe(16)
        self.grants[code] = Grant(
            dialect=route.dialect,
            client_id=query["client_id"],
            redirect_uri=query["redirect_uri"],
            nonce=query.get("nonce"),
            code_challenge=query.get("code_challenge"),
            issuer=route.issuer,
        )
        target = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"
        return 302, {"Location": target}

    def token(self, route: Route, handler, query, body):
        client = oauth_server.client_credentials(handler, body)
        if client != (client_id_of(route.dialect), client_secret_of(route.dialect)):
            return 401, {"error": "invalid_client"}
        grant = self.grants.pop(body.get("code", ""), None)
        if grant is None or grant.dialect != route.dialect:
            return 400, {"error": "invalid_grant"}
        if body.get("redirect_uri") != grant.redirect_uri:
            return 400, {"error": "invalid_grant", "error_description": "redirect_uri"}
        if not oauth_server.pkce_holds(grant.code_challenge, body.get("code_verifier", "")):
            return 400, {"error": "invalid_grant", "error_description": "PKCE"}
        claims = profile(route.dialect, self.person)
        access_token = secrets.token_urlsafe(24)
        self.tokens[access_token] = (route.dialect, claims)
        answer: dict[str, Any] = {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": 3600,
        }
        if grant.issuer:
            answer["id_token"] = oauth_server.id_token(
                claims,
                issuer=f"{self.url}{grant.issuer}",
                audience=grant.client_id,
                nonce=grant.nonce,
                key=self.signing_key,
                key_id=KEY_ID,
            )
        return 200, answer

    def _bearer(self, route: Route, handler, query) -> dict[str, Any] | None:
        auth = handler.headers.get("Authorization", "")
        # GitHub says "token X", the others "Bearer X"; GitLab's adapter sends a parameter.
        token = re.sub(r"^(Bearer|token) ", "", auth) if auth else query.get("access_token", "")
        held = self.tokens.get(token)
        if held is None or held[0] != route.dialect:
            return None
        return held[1]

    def profile(self, route: Route, handler, query, body):
        claims = self._bearer(route, handler, query)
        if claims is None:
            return 401, {"error": "invalid_token", "message": "401 Unauthorized"}
        return 200, claims

    def emails(self, route: Route, handler, query, body):
        if self._bearer(route, handler, query) is None:
            return 401, {"message": "Bad credentials"}
        return 200, [{"email": self.person.email, "primary": True, "verified": True}]

    def jwks(self, route: Route, handler, query, body):
        return 200, oauth_server.jwks(self.signing_key, KEY_ID)

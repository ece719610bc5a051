"""Both directions of the Bot Framework's authentication: the connector's JWT on each
request (verified), and our app's token for the connector API (fetched and kept)."""

from __future__ import annotations

import time
from typing import Any

import httpx
import jwt
from asgiref.sync import sync_to_async
from django.conf import settings

# Clock skew the Bot Framework allows between its servers and ours.
LEEWAY_SECONDS = 300
SCOPE = "https://api.botframework.com/.default"


class Refused(Exception):
    """The request's token is missing, forged, expired, or for someone else."""


_keys: dict[str, jwt.PyJWKClient] = {}
_token: dict[str, Any] = {}


def _jwks(metadata_url: str) -> jwt.PyJWKClient:
    client = _keys.get(metadata_url)
    if client is None:
        metadata = httpx.get(metadata_url, timeout=10).raise_for_status().json()
        client = _keys[metadata_url] = jwt.PyJWKClient(metadata["jwks_uri"], lifespan=3600)
    return client


def _verify(header: str, service_url: str, channel: str) -> dict[str, Any]:
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Refused("no bearer token")
    try:
        signing_key = _jwks(settings.CHAT_TEAMS_OPENID_URL).get_signing_key_from_jwt(token)
        claims = jwt.decode(
            token,
            signing_key.key,
            algorithms=["RS256"],
            audience=settings.CHAT_TEAMS_APP_ID,
            issuer=settings.CHAT_TEAMS_ISSUER,
            leeway=LEEWAY_SECONDS,
            options={"require": ["exp", "iss", "aud"]},
        )
    except (jwt.PyJWTError, httpx.HTTPError, KeyError, ValueError) as error:
        raise Refused(str(error)) from None
    # A key endorsed for some channels only signs for those.
    endorsements = getattr(signing_key, "_jwk_data", {}).get("endorsements")
    if endorsements is not None and channel not in endorsements:
        raise Refused("key not endorsed for this channel")
    if claims.get("serviceUrl") != service_url:
        raise Refused("serviceUrl does not match")
    return claims


# The key fetch is a blocking HTTP call (cached after the first).
verify = sync_to_async(_verify, thread_sensitive=False)


async def connector_token() -> str:
    """Our app's bearer token for the connector API, fetched again shortly before expiry.

    Two fetches at once are harmless (both tokens are valid), so there is no lock.
    """
    if _token.get("expires", 0) - 60 > time.time():
        return _token["value"]
    async with httpx.AsyncClient(timeout=15) as client:
        response = await client.post(
            settings.CHAT_TEAMS_TOKEN_URL,
            data={
                "grant_type": "client_credentials",
                "client_id": settings.CHAT_TEAMS_APP_ID,
                "client_secret": settings.CHAT_TEAMS_APP_PASSWORD,
                "scope": SCOPE,
            },
        )
    response.raise_for_status()
    data = response.json()
    _token.update(value=data["access_token"], expires=time.time() + float(data["expires_in"]))
    return _token["value"]


def forget() -> None:
    """Drops the cached keys and token (settings changed: tests, a key rotation)."""
    _keys.clear()
    _token.clear()

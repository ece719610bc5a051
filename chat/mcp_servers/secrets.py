"""Secrets of stored servers (header values, environment), encrypted at rest.

The key is derived from SECRET_KEY (and SECRET_KEY_FALLBACKS, so a rotated key still
reads what the old one sealed). Changing SECRET_KEY without a fallback loses them.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.utils.crypto import salted_hmac

SALT = "chat.mcp_servers.secrets"


def _fernet(secret: str, salt: str) -> Fernet:
    raw = salted_hmac(salt, "fernet-key", secret=secret, algorithm="sha256").digest()
    return Fernet(base64.urlsafe_b64encode(raw))


def _keys(salt: str) -> MultiFernet:
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet(s, salt) for s in secrets])


def seal(values: dict[str, Any], *, salt: str = SALT) -> str:
    """`salt` keeps each kind of secret under a key of its own."""
    if not any(values.values()):
        return ""
    return _keys(salt).encrypt(json.dumps(values).encode()).decode()


def unseal(token: str, *, salt: str = SALT) -> dict[str, Any]:
    """The secrets, or {} when there are none or none of the keys opens them."""
    if not token:
        return {}
    try:
        return json.loads(_keys(salt).decrypt(token.encode()))
    except (InvalidToken, ValueError):
        return {}


def masked(value: str) -> str:
    """A secret as it may be shown: its last characters at most."""
    return "••••" + value[-2:] if len(value) >= 12 else "••••"

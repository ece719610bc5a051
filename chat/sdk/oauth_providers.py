"""`chainlit.oauth_providers` as `chat.sdk.oauth_providers`: which sign-in providers are on.

Sign-in providers here are allauth's, turned on by the same OAUTH_* variables Chainlit
reads (README, "Company sign-in"). This module describes them in Chainlit's shape
(`providers`, `get_configured_oauth_providers()`, `get_oauth_provider(id)`), for apps that
ask which are configured. A provider class of an app's own (Chainlit's way to add one)
is not used for sign-in here: adding one to `providers` logs how to configure it instead.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings

from chat.sdk.logger import logger
from chat.sdk.types import User

# allauth's provider names where Chainlit's ids differ.
CHAINLIT_IDS = {"microsoft": "azure-ad", "oidc": "generic", "amazon_cognito": "aws-cognito"}


class OAuthProvider:
    """A sign-in provider, as Chainlit describes one."""

    id: str = ""
    env: list[str] = []
    client_id: str = ""
    client_secret: str = ""
    authorize_url: str = ""
    authorize_params: dict[str, str] = {}
    default_prompt: str | None = None

    def is_configured(self) -> bool:
        return all(os.environ.get(name) for name in self.env)

    def get_env_prefix(self) -> str:
        return self.id.replace("-", "_").upper()

    def get_prompt(self) -> str | None:
        return (
            os.environ.get(f"OAUTH_{self.get_env_prefix()}_PROMPT")
            or os.environ.get("OAUTH_PROMPT")
            or self.default_prompt
        )

    async def get_token(self, code: str, url: str) -> str:
        raise NotImplementedError("Sign-in with this provider runs through allauth.")

    async def get_user_info(self, token: str) -> tuple[dict[str, str], User]:
        raise NotImplementedError("Sign-in with this provider runs through allauth.")


class ConfiguredProvider(OAuthProvider):
    """One provider turned on in the settings (SOCIALACCOUNT_PROVIDERS)."""

    def __init__(self, provider_id: str, app: dict[str, Any]) -> None:
        self.id = provider_id
        self.client_id = app.get("client_id", "")
        self.client_secret = app.get("secret", "")
        self.name = app.get("name") or provider_id
        prefix = self.get_env_prefix()
        self.env = [f"OAUTH_{prefix}_CLIENT_ID", f"OAUTH_{prefix}_CLIENT_SECRET"]

    def is_configured(self) -> bool:
        return True

    def __repr__(self) -> str:
        return f"<OAuthProvider {self.id}>"


def configured() -> list[ConfiguredProvider]:
    found = []
    for name, entry in (settings.SOCIALACCOUNT_PROVIDERS or {}).items():
        for app in entry.get("APPS", []):
            provider_id = app.get("provider_id") or name
            found.append(ConfiguredProvider(CHAINLIT_IDS.get(provider_id, provider_id), app))
    return found


class Providers(list):
    """The providers on, read from the settings; an app's own provider is not wired in."""

    def __iter__(self) -> Any:
        return iter([*configured(), *list.__iter__(self)])

    def __len__(self) -> int:
        return len(configured()) + list.__len__(self)

    def append(self, provider: Any) -> None:
        _not_wired(provider)
        super().append(provider)

    def extend(self, more: Any) -> None:
        for provider in more:
            self.append(provider)


def _not_wired(provider: Any) -> None:
    logger.warning(
        "The sign-in provider %r is not used: sign-in providers here are allauth's. Use "
        "a provider by name with its OAUTH_* variables, or any OpenID Connect server "
        "with OAUTH_OIDC_CLIENT_ID, OAUTH_OIDC_CLIENT_SECRET and OAUTH_OIDC_SERVER_URL.",
        getattr(provider, "id", provider),
    )


providers = Providers()


def get_oauth_provider(provider: str) -> OAuthProvider | None:
    return next((p for p in providers if p.id == provider), None)


def get_configured_oauth_providers() -> list[str]:
    return [p.id for p in providers if p.is_configured()]


__all__ = [
    "OAuthProvider",
    "get_configured_oauth_providers",
    "get_oauth_provider",
    "providers",
]

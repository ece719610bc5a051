"""Company sign-in rules, shared by every way in: the password form, OAuth providers and
the SSO proxy's header.

The assistant's hooks (`@cl.password_auth_callback`, `@cl.oauth_callback`,
`@cl.header_auth_callback`) accept a person by returning a `cl.User`, reject them by
returning None, or enrich them through the returned user's display name and metadata,
which are kept on the account and reach `cl.user_session.get("user")`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied

from accounts.identifiers import email_for
from chat.engine.registry import call_hook_sync, hooks
from chat.sdk.types import User as ChatUser


class SignInRefused(PermissionDenied):
    """A company rule or an auth hook turned the person away."""


def email_domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].strip().lower() if "@" in email else ""


def email_allowed(email: str) -> bool:
    """Whether the company's allow-list of email domains (if any) admits this address."""
    allowed = settings.CHAT_ALLOWED_EMAIL_DOMAINS
    return not allowed or email_domain(email) in allowed


def call(fn: Callable[..., Any], *args: Any) -> Any:
    """Asks a sign-in hook, sync or async (Chainlit added `id_token` to oauth_callback
    later; older hooks take four arguments): its answer is a cl.User or None."""
    result = call_hook_sync(fn, *args)
    if result is not None and not isinstance(result, ChatUser):
        raise TypeError(f"{getattr(fn, '__name__', fn)} must return a cl.User or None.")
    return result


def apply_profile(user: Any, chat_user: ChatUser, *, save: bool = True) -> Any:
    """Keeps what a hook said about the person on their account."""
    if chat_user.display_name:
        user.display_name = chat_user.display_name[:150]
    user.metadata = {**(user.metadata or {}), **(chat_user.metadata or {})}
    if save and user.pk:
        user.save(update_fields=["display_name", "metadata"])
    return user


def account_for(chat_user: ChatUser, *, check_domain: bool) -> Any:
    """The account a hook's user stands for, made on first sign-in."""
    email = email_for(chat_user.identifier)
    model = get_user_model()
    user = model.objects.filter(email__iexact=email).first()
    if user is None:
        if check_domain and not email_allowed(email):
            raise SignInRefused("This email domain may not sign in here.")
        user = model.objects.create_user(email=email, password=None)
    if not user.is_active:
        raise SignInRefused("This account is disabled.")
    vouch_for_address(user)
    return apply_profile(user, chat_user)


def vouch_for_address(user: Any) -> None:
    """A hook (the company's directory) or the SSO proxy said who this is: their address
    counts as confirmed, as a provider's verified address does, so that mandatory email
    verification (on with a domain allow-list) does not hold them back."""
    primary = not EmailAddress.objects.filter(user=user, primary=True).exists()
    address, created = EmailAddress.objects.get_or_create(
        user=user,
        email__iexact=user.email,
        defaults={"email": user.email, "verified": True, "primary": primary},
    )
    if not created and not address.verified:
        address.verified = True
        address.save(update_fields=["verified"])


def password_sign_in(login: str, password: str) -> Any:
    """Asks `@cl.password_auth_callback`; its cl.User signs in, None refuses."""
    chat_user = call(hooks.password_auth_callback, login, password)
    if chat_user is None:
        raise SignInRefused("The sign-in hook refused these credentials.")
    return account_for(chat_user, check_domain=False)


# allauth's names for providers whose Chainlit name differs: a ported `@cl.oauth_callback`
# branches on Chainlit's ("azure-ad", "generic", ...). The others are spelt alike.
CHAINLIT_PROVIDER_IDS = {
    "microsoft": "azure-ad",
    "amazon_cognito": "aws-cognito",
    "oidc": "generic",
}


def chainlit_provider_id(allauth_id: str) -> str:
    return CHAINLIT_PROVIDER_IDS.get(allauth_id, allauth_id)


def oauth_user(
    provider: str, token: str, raw_user_data: dict, email: str, id_token: str | None
) -> ChatUser | None:
    """What `@cl.oauth_callback` makes of a provider's sign-in (None: refused), the provider
    named as Chainlit names it."""
    provider_id = chainlit_provider_id(provider)
    default_user = ChatUser(
        identifier=email,
        # Microsoft Graph names the person "displayName"; the others, "name".
        display_name=raw_user_data.get("name") or raw_user_data.get("displayName") or None,
        metadata={"provider": provider_id},
    )
    if hooks.oauth_callback is None:
        return default_user
    return call(hooks.oauth_callback, provider_id, token, raw_user_data, default_user, id_token)


def header_user(headers: Mapping[str, str], email: str) -> ChatUser | None:
    """Who the SSO proxy's headers say is signing in (None: nobody)."""
    default_user = ChatUser(identifier=email, metadata={"provider": "header"}) if email else None
    if hooks.header_auth_callback is None:
        return default_user
    return call(hooks.header_auth_callback, headers)

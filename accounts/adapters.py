"""allauth adapters: the company's rules at sign-up and at every provider sign-in."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.signals import user_logged_in
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django import forms
from django.conf import settings
from django.contrib import messages
from django.dispatch import receiver
from django.http import HttpRequest
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from accounts import groups, sign_in
from chatproject.proxies import UNIX_SOCKET_CLIENT, client_address


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # SSO-only: accounts come from the company's identity provider, not this form.
        return not settings.CHAT_SSO_ONLY and super().is_open_for_signup(request)

    def clean_email(self, email: str) -> str:
        email = super().clean_email(email)
        if not sign_in.email_allowed(email):
            raise forms.ValidationError(
                _("Sign-up is open to addresses at %(domains)s only.")
                % {"domains": ", ".join(settings.CHAT_ALLOWED_EMAIL_DOMAINS)}
            )
        return email

    def get_client_ip(self, request: HttpRequest) -> str:
        # The address the trusted proxies vouch for, for the per-address rate limits and
        # allauth's session list: allauth's own reading takes X-Forwarded-For from anyone.
        # Never empty (a unix-socket peer has a placeholder), so sign-in is never refused
        # for want of an address.
        return client_address(request) or UNIX_SOCKET_CLIENT


def claims_of(sociallogin: Any) -> dict[str, Any]:
    """What the provider said about the person: its user data, or for OpenID Connect the
    id token's claims with the userinfo endpoint's over them."""
    raw = sociallogin.account.extra_data or {}
    if isinstance(raw.get("userinfo"), dict):  # OpenID Connect keeps claims nested
        raw = {**(raw.get("id_token") or {}), **raw["userinfo"]}
    return raw


@receiver(user_logged_in, dispatch_uid="accounts-groups-from-provider")
def groups_from_provider(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    """At each provider sign-in, the groups claim sets the person's groups here."""
    sociallogin = kwargs.get("sociallogin")
    if sociallogin is not None:
        groups.sync_from_claims(user, sociallogin.account.provider, claims_of(sociallogin))


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin: Any) -> bool:
        # Provider sign-up stays open in SSO-only mode: that is the way in.
        return True

    def pre_social_login(self, request: HttpRequest, sociallogin: Any) -> None:
        """Runs the allow-list and `@cl.oauth_callback` after the provider vouched for
        the person, before anyone is signed in or created."""
        user = sociallogin.user
        email = (user.email or "").lower() if user else ""
        if not email and sociallogin.email_addresses:
            email = sociallogin.email_addresses[0].email.lower()
        if not email or not sign_in.email_allowed(email):
            self._refuse(request, _("Your email address may not sign in here."))
        token = sociallogin.token.token if sociallogin.token else ""
        raw = claims_of(sociallogin)
        chat_user = sign_in.oauth_user(sociallogin.account.provider, token, raw, email, None)
        if chat_user is None:
            self._refuse(request, _("Sign-in was refused."))
        existing = user if user and user.pk else None
        sign_in.apply_profile(existing or user, chat_user, save=existing is not None)

    @staticmethod
    def _refuse(request: HttpRequest, text: str) -> None:
        messages.error(request, text)
        raise ImmediateHttpResponse(redirect("account_login"))

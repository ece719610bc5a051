"""allauth's sign-in form, with the address that email verification looks at set to the
account's own, and any identifier accepted when the assistant's password hook decides."""

from __future__ import annotations

from typing import Any

from allauth.account.forms import LoginForm as AllauthLoginForm
from django import forms
from django.utils.translation import gettext_lazy as _

from chat.engine.registry import hooks

IDENTIFIER_MAX = 320


class LoginForm(AllauthLoginForm):
    """`@cl.password_auth_callback` may sign someone in under another identifier than the
    one typed ("admin" for "x@corp.example"). allauth then checks that the typed address is
    a confirmed one of the account; the account's own address (which the hook vouched for)
    is the one to check, or mandatory verification would hold back every such sign-in.

    Chainlit apps check names as often as addresses (`admin`/`admin`): with a hook, the
    field takes any identifier and the hook alone judges it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if hooks.password_auth_callback is not None:
            self.fields["login"] = forms.CharField(
                label=_("Username or email"),
                max_length=IDENTIFIER_MAX,
                widget=forms.TextInput(
                    attrs={"placeholder": _("Username or email"), "autocomplete": "username"}
                ),
            )

    def _clean_with_password(self, credentials: dict[str, Any]) -> dict[str, Any]:
        cleaned_data = super()._clean_with_password(credentials)
        login = getattr(self, "_login", None)
        if login is not None and login.user is not None:
            login.email = login.user.email
        return cleaned_data

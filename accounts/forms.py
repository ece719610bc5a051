"""allauth's sign-in form, with the address that email verification looks at set to the
account's own."""

from __future__ import annotations

from typing import Any

from allauth.account.forms import LoginForm as AllauthLoginForm


class LoginForm(AllauthLoginForm):
    """`@cl.password_auth_callback` may sign someone in under another identifier than the
    one typed ("admin" for "x@corp.example"). allauth then checks that the typed address is
    a confirmed one of the account; the account's own address (which the hook vouched for)
    is the one to check, or mandatory verification would hold back every such sign-in."""

    def _clean_with_password(self, credentials: dict[str, Any]) -> dict[str, Any]:
        cleaned_data = super()._clean_with_password(credentials)
        login = getattr(self, "_login", None)
        if login is not None and login.user is not None:
            login.email = login.user.email
        return cleaned_data

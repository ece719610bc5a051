"""allauth's settings as the company's rules amend them (ALLAUTH_SETTING_GETTER).

With an allow-list of email domains, an address proves membership only once its owner
has confirmed it: email verification is then mandatory, whatever
ACCOUNT_EMAIL_VERIFICATION says. A password sign-up waits for the mail's link, and a
provider's sign-in with an address the provider did not verify is confirmed by mail
first. Read at each use, so that the rule follows the setting wherever it changes.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

MANDATORY = "mandatory"


def setting(name: str, default: Any) -> Any:
    if name in ("ACCOUNT_EMAIL_VERIFICATION", "SOCIALACCOUNT_EMAIL_VERIFICATION") and (
        settings.CHAT_ALLOWED_EMAIL_DOMAINS
    ):
        return MANDATORY
    return getattr(settings, name, default)

"""The copilot widget's sign-in tokens, as a host page's backend issues them.

A token names the account by its email, is signed with SECRET_KEY and salted for this use
only; chat.platforms.copilot.tokens checks it (valid CHAT_COPILOT_TOKEN_SECONDS, for an
active account, once).
"""

from __future__ import annotations

import secrets

from django.core import signing

SIGN_IN_SALT = "chat.copilot.sign-in"


def issue(email: str) -> str:
    """A sign-in token for the widget, for the account with this email address."""
    # The nonce makes each token unique, even two for one person within a second.
    data = {"email": email.strip().lower(), "nonce": secrets.token_urlsafe(8)}
    return signing.dumps(data, salt=SIGN_IN_SALT, compress=True)

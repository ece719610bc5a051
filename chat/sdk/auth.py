"""`chainlit.auth` as `chat.sdk.auth`: `create_jwt`, with which a host page's backend signs
a person in to the copilot widget (`mountChainlitWidget({accessToken: ...})`).

Here the token is the widget's own sign-in token: it names the account the user's
identifier names (an address, or `<identifier>@localhost` as the sign-in hooks make it),
is valid CHAT_COPILOT_TOKEN_SECONDS and signs a panel in once.
"""

from __future__ import annotations

from accounts.identifiers import email_for
from chat.engine.copilot_tokens import issue
from chat.sdk.types import User


def create_jwt(data: User) -> str:
    """A copilot sign-in token for this user."""
    return issue(email_for(data.identifier))


__all__ = ["create_jwt"]

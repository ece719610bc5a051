"""How an assistant's user identifier names an account."""

from __future__ import annotations


def email_for(identifier: str) -> str:
    """The account's email for a hook's identifier: itself when it is an address, else
    `<identifier>@localhost` (Chainlit apps often name users "admin")."""
    identifier = identifier.strip()
    return identifier.lower() if "@" in identifier else f"{identifier.lower()}@localhost"

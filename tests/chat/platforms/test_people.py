"""Platform users and our accounts: with CHAT_PLATFORM_UNKNOWN_USERS=create, a new account
is made only at an address the company's domain list (if any) admits."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test.utils import override_settings

from chat.platforms import people

pytestmark = pytest.mark.django_db(transaction=True)
LISTED = override_settings(
    CHAT_PLATFORM_UNKNOWN_USERS="create", CHAT_ALLOWED_EMAIL_DOMAINS=["corp.example"]
)


def told(name: str, email: str | None):
    async def profile() -> tuple[str, str | None]:
        return name, email

    return profile


async def accounts() -> list[str]:
    return [u.email async for u in get_user_model().objects.order_by("email")]


@override_settings(
    CHAT_PLATFORM_UNKNOWN_USERS="create", CHAT_ALLOWED_EMAIL_DOMAINS=["corp.example"]
)
async def test_a_platform_user_at_a_listed_domain_gets_an_account():
    who = await people.person("slack", "U1", told("Dana", "dana@corp.example"))

    assert who is not None
    assert await accounts() == ["dana@corp.example"]


@override_settings(
    CHAT_PLATFORM_UNKNOWN_USERS="create", CHAT_ALLOWED_EMAIL_DOMAINS=["corp.example"]
)
async def test_a_platform_user_at_another_domain_gets_no_account():
    assert await people.person("slack", "U2", told("Guest", "guest@gmail.com")) is None
    assert await accounts() == []


@override_settings(
    CHAT_PLATFORM_UNKNOWN_USERS="create", CHAT_ALLOWED_EMAIL_DOMAINS=["corp.example"]
)
async def test_a_platform_that_tells_no_address_gets_no_account_under_a_domain_list():
    assert await people.person("discord", "42", told("Anon", None)) is None
    assert await accounts() == []


@override_settings(CHAT_PLATFORM_UNKNOWN_USERS="create", CHAT_ALLOWED_EMAIL_DOMAINS=[])
async def test_without_a_domain_list_any_platform_user_gets_an_account():
    assert await people.person("discord", "42", told("Anon", None)) is not None
    assert await accounts() == ["discord-42@discord.invalid"]

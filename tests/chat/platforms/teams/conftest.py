"""A Teams bot wired to the fake of Microsoft's side, and a person it knows."""

from __future__ import annotations

import pytest
from django.test import override_settings

from chat.platforms.teams import auth
from tests.chat.platforms.teams.fakes import APP_ID, ISSUER, FakeMicrosoft
from tests.factories import make_user


@pytest.fixture
def teams(conversations):
    with (
        FakeMicrosoft() as fake,
        override_settings(
            CHAT_TEAMS_APP_ID=APP_ID,
            CHAT_TEAMS_APP_PASSWORD="secret",
            CHAT_TEAMS_OPENID_URL=fake.url + "/openid",
            CHAT_TEAMS_TOKEN_URL=fake.url + "/token",
            CHAT_TEAMS_ISSUER=ISSUER,
            CHAT_PLATFORM_EDIT_SECONDS=0.2,
        ),
    ):
        auth.forget()
        yield fake
    auth.forget()


@pytest.fixture
def alice(db):
    return make_user(email="alice@example.com", display_name="Alice")

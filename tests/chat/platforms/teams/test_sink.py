"""An answer's files in Teams, by where the conversation is: a small picture shown in the
message anywhere; other files offered in a personal chat, a link in channels and groups."""

from __future__ import annotations

import base64

import pytest
from django.test import override_settings

from tests.assistants.platforms import PNG
from tests.chat.platforms.teams.fakes import CONSENT_CARD, activity, final, send

pytestmark = pytest.mark.django_db(transaction=True)

SITE = "https://chat.example.com"


@pytest.fixture
def site():
    with override_settings(CHAT_PUBLIC_URL=SITE):
        yield


async def settled(teams, async_client, scope: str) -> None:
    """Waits until everything of the answers before has reached the connector (the sink
    calls it in order, so the next answer's text comes after them)."""
    await send(async_client, activity(teams, "after", scope=scope))
    await final(teams, "echo from teams: after")


def attachments(teams) -> list[dict]:
    return [a for _, c in teams.posted for a in (c.body or {}).get("attachments") or []]


@pytest.mark.parametrize("scope", ["channel", "groupChat", "personal"])
async def test_a_small_picture_is_shown_in_the_conversation(
    teams, async_client, alice, site, scope
):
    await send(async_client, activity(teams, "a chart", scope=scope))
    await final(teams, f"[chart.png]({SITE}/")
    await settled(teams, async_client, scope)
    (picture,) = attachments(teams)
    assert picture["contentType"] == "image/png"
    assert picture["name"] == "chart.png"
    head, _, data = picture["contentUrl"].partition(",")
    assert head == "data:image/png;base64"
    assert base64.b64decode(data) == PNG


@pytest.mark.parametrize("scope", ["channel", "groupChat"])
async def test_in_channels_and_group_chats_a_file_stays_a_link(
    teams, async_client, alice, site, scope
):
    await send(async_client, activity(teams, "a report of 1000", scope=scope))
    await final(teams, f"[big.bin]({SITE}/")
    await settled(teams, async_client, scope)
    assert attachments(teams) == []


async def test_a_picture_over_the_inline_cap_is_offered_as_a_file_in_a_personal_chat(
    teams, async_client, alice, site
):
    with override_settings(CHAT_TEAMS_INLINE_IMAGE_KB=0.01):  # 10 bytes
        await send(async_client, activity(teams, "a chart", scope="personal"))
        await final(teams, f"[chart.png]({SITE}/")
        await settled(teams, async_client, "personal")
    (card,) = attachments(teams)
    assert card["contentType"] == CONSENT_CARD
    assert (card["name"], card["content"]["sizeInBytes"]) == ("chart.png", len(PNG))


async def test_a_picture_over_the_inline_cap_stays_a_link_in_a_channel(
    teams, async_client, alice, site
):
    with override_settings(CHAT_TEAMS_INLINE_IMAGE_KB=0.01):
        await send(async_client, activity(teams, "a chart", scope="channel"))
        await final(teams, f"[chart.png]({SITE}/")
        await settled(teams, async_client, "channel")
    assert attachments(teams) == []

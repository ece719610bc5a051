"""An answer's file sent into a Teams personal chat: the file consent card, the person's
accept (the file PUT into their OneDrive, then shown as a file card) or decline (the
link stays, the person is told)."""

from __future__ import annotations

import uuid

import pytest
from django.test import override_settings

from chat.models import Element
from chat.platforms.teams import consent
from tests.chat.platforms.teams.fakes import (
    CONSENT_CARD,
    FILE_INFO_CARD,
    FRAGMENT_UNIT,
    activity,
    consent_answer,
    final,
    send,
)
from tests.drivers import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

SITE = "https://chat.example.com"


def report(size: int) -> bytes:
    """The bytes of the test assistant's "a report of <size>" file."""
    return bytes(i % 251 for i in range(size))


@pytest.fixture
def site():
    with override_settings(CHAT_PUBLIC_URL=SITE):
        yield


async def offered(teams, size: int) -> tuple[str, dict]:
    """Asks for a report in the personal chat; the consent card's activity id and card."""
    await send(teams.client, activity(teams, f"a report of {size}", scope="personal"))
    await final(teams, "Here is the big report.")
    await wait_for(lambda: teams.cards(CONSENT_CARD), what="a file consent card")
    ((card_id, card),) = teams.cards(CONSENT_CARD)
    return card_id, card


@pytest.fixture
def teams_client(teams, async_client):
    teams.client = async_client
    return teams


async def test_an_accepted_file_is_uploaded_in_fragments_and_shown_as_a_file_card(
    teams_client, alice, site, monkeypatch
):
    teams = teams_client
    monkeypatch.setattr(consent, "FRAGMENT_BYTES", FRAGMENT_UNIT)
    size = 2 * FRAGMENT_UNIT + 1000
    card_id, card = await offered(teams, size)

    assert card["name"] == "big.bin"
    assert card["content"]["sizeInBytes"] == size
    assert card["content"]["description"]
    element = await Element.objects.aget(name="big.bin")
    assert card["content"]["acceptContext"] == {"chat_element": str(element.pk)}
    # The answer itself keeps the file's link.
    answer = await final(teams, "Here is the big report.")
    assert f"[big.bin]({SITE}/" in answer.body["text"]

    invoke = consent_answer(teams, card_id, card, accept=True)
    response = await send(teams.client, invoke)
    assert response.status_code == 200

    await wait_for(lambda: teams.cards(FILE_INFO_CARD), what="the file card")
    ranges = [c.headers["content-range"] for c in teams.fragments()]
    assert ranges == [
        f"bytes 0-{FRAGMENT_UNIT - 1}/{size}",
        f"bytes {FRAGMENT_UNIT}-{2 * FRAGMENT_UNIT - 1}/{size}",
        f"bytes {2 * FRAGMENT_UNIT}-{size - 1}/{size}",
    ]
    assert all("authorization" not in c.headers for c in teams.fragments())
    (session,) = teams.sessions.values()
    assert session.done
    assert bytes(session.received) == report(size)

    ((_, file_card),) = teams.cards(FILE_INFO_CARD)
    info = invoke["value"]["uploadInfo"]
    assert file_card == {
        "contentType": FILE_INFO_CARD,
        "contentUrl": info["contentUrl"],
        "name": "big.bin",
        "content": {"uniqueId": info["uniqueId"], "fileType": "bin"},
    }
    # The card is gone once answered: it cannot be accepted again.
    assert teams.deleted() == [card_id]


async def test_a_card_answered_twice_uploads_once(teams_client, alice, site):
    teams = teams_client
    card_id, card = await offered(teams, 1000)
    assert (
        await send(teams.client, consent_answer(teams, card_id, card, accept=True))
    ).status_code == 200
    await wait_for(lambda: teams.cards(FILE_INFO_CARD), what="the file card")
    again = consent_answer(teams, card_id, card, accept=True)
    assert (await send(teams.client, again)).status_code == 200
    # The sink calls the connector in order: a second upload would show before this.
    await send(teams.client, activity(teams, "after", scope="personal"))
    await final(teams, "echo from teams: after")
    assert len(teams.fragments()) == 1
    assert len(teams.cards(FILE_INFO_CARD)) == 1


async def test_a_declined_file_is_not_sent_and_the_person_is_told_the_link_stays(
    teams_client, alice, site
):
    teams = teams_client
    card_id, card = await offered(teams, 1000)
    response = await send(teams.client, consent_answer(teams, card_id, card, accept=False))
    assert response.status_code == 200

    told = await final(teams, "was not sent")
    assert told.body["text"] == "big.bin was not sent. The link in the answer still opens it."
    assert teams.fragments() == []
    assert teams.cards(FILE_INFO_CARD) == []
    assert teams.deleted() == [card_id]
    answer = await final(teams, "Here is the big report.")
    assert f"[big.bin]({SITE}/" in answer.body["text"]


async def test_an_upload_onedrive_refuses_is_told_and_the_link_stays(teams_client, alice, site):
    teams = teams_client
    teams.refuse_uploads = True
    card_id, card = await offered(teams, 1000)
    await send(teams.client, consent_answer(teams, card_id, card, accept=True))
    told = await final(teams, "could not be sent")
    assert told.body["text"] == "big.bin could not be sent. The link in the answer still opens it."
    assert teams.cards(FILE_INFO_CARD) == []


async def test_a_consent_naming_a_file_of_another_conversation_sends_nothing(
    teams_client, alice, site
):
    teams = teams_client
    card_id, card = await offered(teams, 1000)
    forged = consent_answer(teams, card_id, card, accept=True)
    forged["conversation"]["id"] = "a:someone-else"
    assert (await send(teams.client, forged)).status_code == 200
    for element in (str(uuid.uuid4()), "not-an-id"):
        unknown = consent_answer(teams, card_id, card, accept=True)
        unknown["value"]["context"] = {"chat_element": element}
        assert (await send(teams.client, unknown)).status_code == 200
    await send(teams.client, activity(teams, "after", scope="personal"))
    await final(teams, "echo from teams: after")
    assert teams.fragments() == []
    assert teams.deleted() == []


async def test_a_file_over_the_upload_cap_is_not_offered(teams_client, alice, site):
    teams = teams_client
    with override_settings(CHAT_PLATFORM_UPLOAD_MAX_MB=0.001):  # about 1 KB
        await send(teams.client, activity(teams, "a report of 5000", scope="personal"))
        await final(teams, f"[big.bin]({SITE}/")
        await send(teams.client, activity(teams, "after", scope="personal"))
        await final(teams, "echo from teams: after")
    assert teams.cards(CONSENT_CARD) == []


async def test_an_accept_without_an_upload_url_or_another_invoke_is_refused(
    teams_client, alice, site
):
    teams = teams_client
    card_id, card = await offered(teams, 1000)
    broken = consent_answer(teams, card_id, card, accept=True)
    del broken["value"]["uploadInfo"]["uploadUrl"]
    assert (await send(teams.client, broken)).status_code == 400
    other = {**consent_answer(teams, card_id, card, accept=True), "name": "task/fetch"}
    assert (await send(teams.client, other)).status_code == 501
    assert teams.fragments() == []


async def test_without_the_sites_address_a_declined_file_is_only_said_not_sent(teams_client, alice):
    teams = teams_client
    card_id, card = await offered(teams, 1000)
    await send(teams.client, consent_answer(teams, card_id, card, accept=False))
    told = await final(teams, "was not sent")
    assert told.body["text"] == "big.bin was not sent."

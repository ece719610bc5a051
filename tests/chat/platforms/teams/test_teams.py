"""Teams: activities with the connector's JWT in, replies through a fake connector API."""

from __future__ import annotations

import json
import time
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import override_settings

from chat.models import Message, PlatformAccount, Thread
from chat.platforms.teams import auth
from tests.chat.platforms.fakes import FakeApi
from tests.drivers import wait_for
from tests.factories import make_user

pytestmark = pytest.mark.django_db(transaction=True)

APP_ID = "teams-app-id"
ISSUER = "https://api.botframework.com"
URL = "/platforms/teams/messages/"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PEOPLE = {
    "29:alice": {"name": "Alice A", "email": "alice@example.com"},
    "29:stranger": {"name": "Stranger", "userPrincipalName": "who@x.org"},
}


class FakeMicrosoft(FakeApi):
    """The OpenID metadata, its keys, the token endpoint and the connector, in one."""

    def __init__(self) -> None:
        self.ids = 0
        super().__init__(self.answer)

    def answer(self, call):
        if call.path == "/openid":
            return 200, {"issuer": ISSUER, "jwks_uri": f"{self.url}/keys"}
        if call.path == "/keys":
            public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(KEY.public_key()))
            return 200, {
                "keys": [{**public, "kid": "k1", "use": "sig", "endorsements": ["msteams"]}]
            }
        if call.path == "/token":
            return 200, {"access_token": "bot-token", "expires_in": 3600}
        if "/members/" in call.path:
            return 200, PEOPLE[call.path.rsplit("/", 1)[1].replace("%3A", ":")]
        if call.method == "POST" and call.path.endswith("/activities"):
            self.ids += 1
            return 200, {"id": f"act-{self.ids}"}
        return 200, {"id": call.path.rsplit("/", 1)[1]}

    def shown(self) -> list:
        return [c for c in list(self.calls) if "/activities" in c.path and c.method != "DELETE"]


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


def activity(teams: FakeMicrosoft, text: str = "", *, user: str = "29:alice", value=None) -> dict:
    data = {
        "type": "message",
        "id": uuid.uuid4().hex,
        "channelId": "msteams",
        "serviceUrl": teams.url + "/connector",
        "conversation": {"id": "a:conv-1"},
        "from": {"id": user, "name": user, "aadObjectId": f"aad-{user}"},
        "recipient": {"id": "28:bot"},
        "text": f"<at>Bot</at> {text}",
    }
    if value is not None:
        data["value"] = value
    return data


def token(service_url: str, *, key=KEY, audience=APP_ID, issuer=ISSUER, expires_in=600) -> str:
    now = int(time.time())
    claims = {
        "iss": issuer,
        "aud": audience,
        "exp": now + expires_in,
        "nbf": now - 10,
        "serviceUrl": service_url,
    }
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})


async def send(async_client, data: dict, bearer: str | None = None):
    bearer = token(data["serviceUrl"]) if bearer is None else bearer
    return await async_client.post(
        URL,
        json.dumps(data),
        content_type="application/json",
        headers={"Authorization": f"Bearer {bearer}"} if bearer else {},
    )


async def final(teams: FakeMicrosoft, containing: str):
    found: list = []

    def done() -> bool:
        found[:] = [
            c
            for c in teams.shown()
            if containing in (c.body or {}).get("text", "") and "…" not in c.body["text"]
        ]
        return bool(found)

    await wait_for(done, what=f"a final Teams message with {containing!r}")
    return found[-1]


async def test_a_message_is_answered_through_the_connector(async_client, teams, alice):
    data = activity(teams, "hello teams")
    response = await send(async_client, data)
    assert response.status_code == 202

    answer = await final(teams, "hello teams")
    assert answer.body["text"] == "echo from teams: hello teams"
    assert answer.headers["authorization"] == "Bearer bot-token"
    first = teams.shown()[0]
    assert first.method == "POST"
    assert first.path == "/connector/v3/conversations/a:conv-1/activities"
    assert first.body["replyToId"] == data["id"]
    thread = await Thread.objects.aget(source="teams", external_id="a:conv-1")
    assert thread.owner_id == alice.pk
    assert await Message.objects.filter(thread=thread, content="hello teams").aexists()
    link = await PlatformAccount.objects.aget(platform="teams")
    assert link.external_id == "aad-29:alice"


async def test_a_forged_or_missing_token_is_refused(async_client, teams, alice):
    data = activity(teams, "sneaky")
    forged = token(data["serviceUrl"], key=OTHER_KEY)
    assert (await send(async_client, data, forged)).status_code == 401
    assert (await send(async_client, data, "")).status_code == 401
    assert (await send(async_client, data, "not-a-jwt")).status_code == 401
    wrong_app = token(data["serviceUrl"], audience="another-app")
    assert (await send(async_client, data, wrong_app)).status_code == 401
    wrong_issuer = token(data["serviceUrl"], issuer="https://evil.example.com")
    assert (await send(async_client, data, wrong_issuer)).status_code == 401
    assert await Thread.objects.acount() == 0


async def test_a_token_for_another_service_url_is_refused(async_client, teams, alice):
    data = activity(teams, "redirect me")
    other = token("https://evil.example.com/connector")
    assert (await send(async_client, data, other)).status_code == 401


async def test_an_expired_token_or_a_replayed_activity_is_refused(async_client, teams, alice):
    data = activity(teams, "old")
    expired = token(data["serviceUrl"], expires_in=-3600)
    assert (await send(async_client, data, expired)).status_code == 401
    data = activity(teams, "once")
    bearer = token(data["serviceUrl"])
    assert (await send(async_client, data, bearer)).status_code == 202
    assert (await send(async_client, data, bearer)).status_code == 409
    await final(teams, "once")
    assert await Message.objects.filter(author_kind="user").acount() == 1


async def test_a_streamed_answer_updates_the_activity_as_it_grows(async_client, teams, alice):
    await send(async_client, activity(teams, "stream 20"))
    await final(teams, "t19")
    updates = [c for c in teams.shown() if c.method == "PUT"]
    growing = [c.body["text"] for c in updates if "…" in c.body["text"]]
    assert growing, "no update while the answer streamed"
    assert [len(t) for t in growing] == sorted(len(t) for t in growing)
    assert len(updates) < 20
    assert {c.path for c in updates} == {"/connector/v3/conversations/a:conv-1/activities/act-1"}


async def test_buttons_are_adaptive_card_submits_and_a_click_runs_the_callback(
    async_client, teams, alice
):
    await send(async_client, activity(teams, "buttons"))
    choose = await final(teams, "Choose one")
    card = choose.body["attachments"][0]["content"]
    assert [a["title"] for a in card["actions"]] == ["One", "Two"]
    assert {a["type"] for a in card["actions"]} == {"Action.Submit"}

    response = await send(async_client, activity(teams, value=card["actions"][1]["data"]))
    assert response.status_code == 202
    await final(teams, "picked 2")


async def test_an_unknown_teams_user_is_refused_by_default(async_client, teams, alice):
    await send(async_client, activity(teams, "let me in", user="29:stranger"))
    await wait_for(lambda: teams.shown(), what="a refusal")
    assert "not linked" in teams.shown()[0].body["text"]
    assert await Thread.objects.acount() == 0


async def test_an_unknown_teams_user_gets_an_account_when_set_to_create(async_client, teams, alice):
    with override_settings(CHAT_PLATFORM_UNKNOWN_USERS="create"):
        await send(async_client, activity(teams, "hi", user="29:stranger"))
        await final(teams, "echo from teams: hi")
    link = await PlatformAccount.objects.select_related("user").aget(platform="teams")
    assert link.user.email == "who@x.org"


async def test_a_conversation_update_needs_no_answer(async_client, teams):
    data = {**activity(teams), "type": "conversationUpdate"}
    assert (await send(async_client, data)).status_code == 200
    assert teams.shown() == []


async def test_teams_is_off_without_its_settings(async_client):
    data = {"type": "message", "serviceUrl": "http://127.0.0.1:1/"}
    response = await async_client.post(URL, json.dumps(data), content_type="application/json")
    assert response.status_code == 404


async def test_files_and_pictures_sent_to_the_bot_arrive_as_the_messages_elements(
    async_client, teams, alice
):
    original = teams.respond
    asked_with: dict[str, str] = {}

    def files(call):
        if call.method == "GET" and call.path in ("/download/plan.txt", "/connector/v3/att/pic"):
            asked_with[call.path] = call.headers.get("authorization", "")
            return 200, "file body"
        return original(call)

    teams.respond = files
    data = activity(teams, "what files")
    data["attachments"] = [
        {
            "contentType": "application/vnd.microsoft.teams.file.download.info",
            "name": "plan.txt",
            # A host of its own (SharePoint's, in Teams): here the fake under another name.
            "content": {
                "downloadUrl": teams.url.replace("127.0.0.1", "localhost") + "/download/plan.txt",
                "fileType": "txt",
            },
        },
        {
            "contentType": "image/png",
            "name": "pic.txt",
            "contentUrl": f"{teams.url}/connector/v3/att/pic",
        },
        {"contentType": "text/html", "content": "<p>what files</p>"},
    ]
    await send(async_client, data)
    answer = await final(teams, "files:")
    assert answer.body["text"] == "files: plan.txt (text/plain), pic.txt (text/plain)"
    # The pre-signed link is asked without a token; the Bot Framework's own URL with it.
    assert asked_with == {"/download/plan.txt": "", "/connector/v3/att/pic": "Bearer bot-token"}

"""Discord: signed interactions in, the deferred reply edited through a fake Discord API."""

from __future__ import annotations

import json
import time
import uuid

import pytest
from django.test import override_settings
from nacl.signing import SigningKey

from chat.models import Message, PlatformAccount, Thread
from tests.chat.platforms.fakes import FakeApi
from tests.drivers import wait_for
from tests.factories import make_user

pytestmark = pytest.mark.django_db(transaction=True)

KEY = SigningKey.generate()
APP = "1234567890"
URL = "/platforms/discord/interactions/"


class FakeDiscord(FakeApi):
    def __init__(self) -> None:
        self.ids = 0
        super().__init__(self.answer)

    def answer(self, call):
        # A JSON body is echoed back, as Discord returns the message; a multipart one is not.
        body = call.body if isinstance(call.body, dict) and "payload_json" not in call.body else {}
        if call.method == "POST" and "/webhooks/" in call.path:
            self.ids += 1
            return 200, {"id": f"90{self.ids}", **body}
        if call.method == "DELETE":
            return 204, None
        return 200, {"id": "original", **body}

    def uploads(self) -> list:
        return [c for c in list(self.calls) if isinstance(c.body, dict) and "files[0]" in c.body]

    def shown(self) -> list:
        """Every body posted or patched to a webhook, in order."""
        return [c for c in list(self.calls) if "/webhooks/" in c.path and c.method != "DELETE"]


@pytest.fixture
def discord(conversations):
    with (
        FakeDiscord() as fake,
        override_settings(
            CHAT_DISCORD_PUBLIC_KEY=KEY.verify_key.encode().hex(),
            CHAT_DISCORD_APPLICATION_ID=APP,
            CHAT_DISCORD_API_URL=fake.url + "/api/v10",
            CHAT_PLATFORM_EDIT_SECONDS=0.2,
        ),
    ):
        yield fake


@pytest.fixture
def alice(db):
    user = make_user(email="alice@example.com", display_name="Alice")
    PlatformAccount.objects.create(platform="discord", external_id="D-ALICE", user=user)
    return user


def signed(body: bytes, *, key: SigningKey = KEY, at: float | None = None) -> dict[str, str]:
    timestamp = str(int(at if at is not None else time.time()))
    signature = key.sign(timestamp.encode() + body).signature.hex()
    return {"X-Signature-Ed25519": signature, "X-Signature-Timestamp": timestamp}


def ask(question: str, *, user: str = "D-ALICE") -> bytes:
    data = {
        "id": uuid.uuid4().hex,
        "type": 2,
        "token": f"tok-{uuid.uuid4().hex[:8]}",
        "channel_id": "CH1",
        "member": {"user": {"id": user, "username": user.lower()}},
        "data": {"name": "ask", "options": [{"name": "question", "value": question}]},
    }
    return json.dumps(data).encode()


def click(custom_id: str, *, user: str = "D-ALICE") -> bytes:
    data = {
        "id": uuid.uuid4().hex,
        "type": 3,
        "token": f"tok-{uuid.uuid4().hex[:8]}",
        "channel_id": "CH1",
        "member": {"user": {"id": user, "username": user.lower()}},
        "data": {"custom_id": custom_id, "component_type": 2},
    }
    return json.dumps(data).encode()


async def send(async_client, body: bytes, headers: dict[str, str] | None = None):
    headers = signed(body) if headers is None else headers
    return await async_client.post(URL, body, content_type="application/json", headers=headers)


async def final(discord: FakeDiscord, containing: str):
    found: list = []

    def done() -> bool:
        found[:] = [
            c
            for c in discord.shown()
            if containing in (c.body or {}).get("content", "") and "…" not in c.body["content"]
        ]
        return bool(found)

    await wait_for(done, what=f"a final Discord message with {containing!r}")
    return found[-1]


async def test_ping_is_answered_with_pong(async_client, discord):
    body = json.dumps({"id": "1", "type": 1}).encode()
    response = await send(async_client, body)
    assert response.json() == {"type": 1}


async def test_ask_is_deferred_then_the_original_reply_is_filled(async_client, discord, alice):
    body = ask("hello discord")
    token = json.loads(body)["token"]
    response = await send(async_client, body)
    assert response.json() == {"type": 5}

    answer = await final(discord, "hello discord")
    assert answer.method == "PATCH"
    assert answer.path == f"/api/v10/webhooks/{APP}/{token}/messages/@original"
    assert answer.body["content"] == "echo from discord: hello discord"
    thread = await Thread.objects.aget(source="discord")
    assert thread.owner_id == alice.pk
    assert await Message.objects.filter(thread=thread, content="hello discord").aexists()


async def test_a_bad_or_missing_signature_is_refused(async_client, discord, alice):
    body = ask("sneaky")
    assert (
        await send(async_client, body, signed(body, key=SigningKey.generate()))
    ).status_code == 401
    assert (await send(async_client, body, {})).status_code == 401
    garbage = {"X-Signature-Ed25519": "zz", "X-Signature-Timestamp": str(int(time.time()))}
    assert (await send(async_client, body, garbage)).status_code == 401
    assert await Thread.objects.acount() == 0


async def test_a_stale_or_replayed_interaction_is_refused(async_client, discord, alice):
    old = ask("old")
    assert (await send(async_client, old, signed(old, at=time.time() - 3600))).status_code == 401
    body = ask("once")
    headers = signed(body)
    assert (await send(async_client, body, headers)).status_code == 200
    assert (await send(async_client, body, headers)).status_code == 409
    await final(discord, "once")
    assert await Message.objects.filter(author_kind="user").acount() == 1


async def test_a_streamed_answer_edits_the_reply_as_it_grows(async_client, discord, alice):
    await send(async_client, ask("stream 20"))
    await final(discord, "t19")
    edits = [c for c in discord.shown() if c.path.endswith("/@original")]
    growing = [c.body["content"] for c in edits if "…" in c.body["content"]]
    assert growing, "no edit while the answer streamed"
    assert [len(t) for t in growing] == sorted(len(t) for t in growing)
    assert len(edits) < 20


async def test_buttons_round_trip_as_components(async_client, discord, alice):
    await send(async_client, ask("buttons"))
    choose = await final(discord, "Choose one")
    buttons = choose.body["components"][0]["components"]
    assert [b["label"] for b in buttons] == ["One", "Two"]

    response = await send(async_client, click(buttons[0]["custom_id"]))
    assert response.json() == {"type": 6}
    picked = await final(discord, "picked 1")
    assert picked.method == "POST"  # a follow-up with the click's token


@pytest.fixture
def bob(db):
    user = make_user(email="bob@example.com", display_name="Bob")
    PlatformAccount.objects.create(platform="discord", external_id="D-BOB", user=user)
    return user


async def test_someone_elses_click_on_the_askers_buttons_is_told_so(
    async_client, discord, alice, bob
):
    await send(async_client, ask("buttons"))
    choose = await final(discord, "Choose one")
    button = choose.body["components"][0]["components"][0]

    response = await send(async_client, click(button["custom_id"], user="D-BOB"))
    assert response.json() == {"type": 6}
    await wait_for(
        lambda: [c for c in discord.shown() if "Only the person who asked" in str(c.body)],
        what="the notice to the one who clicked",
    )
    notice = next(c for c in discord.shown() if "Only the person who asked" in str(c.body))
    assert notice.body["flags"] == 64  # seen by the one who clicked only
    assert notice.method == "POST"
    # The asker's callback did not run for Bob; Alice's own click still works.
    assert not [c for c in discord.shown() if "picked" in str(c.body)]
    await send(async_client, click(button["custom_id"]))
    await final(discord, "picked 1")


async def test_an_unknown_discord_user_is_refused_by_default(async_client, discord, alice):
    await send(async_client, ask("let me in", user="D-STRANGER"))
    await wait_for(lambda: discord.shown(), what="a refusal")
    assert "not linked" in discord.shown()[0].body["content"]
    assert await Thread.objects.acount() == 0


async def test_an_unknown_discord_user_gets_a_placeholder_account_when_set_to_create(
    async_client, discord, alice
):
    with override_settings(CHAT_PLATFORM_UNKNOWN_USERS="create"):
        await send(async_client, ask("hi", user="D-NEW"))
        await final(discord, "echo from discord: hi")
    link = await PlatformAccount.objects.select_related("user").aget(external_id="D-NEW")
    assert link.user.email == "discord-d-new@discord.invalid"
    assert link.user.display_name == "d-new"


async def test_an_unknown_command_is_refused(async_client, discord, alice):
    data = json.loads(ask("x"))
    data["data"]["name"] = "other"
    body = json.dumps(data).encode()
    assert (await send(async_client, body)).status_code == 400


async def test_discord_is_off_without_its_settings(async_client):
    body = ask("anyone?")
    assert (await send(async_client, body)).status_code == 404


async def test_a_file_given_to_ask_arrives_as_the_messages_elements(async_client, discord, alice):
    original = discord.respond

    def cdn(call):
        if call.method == "GET" and call.path == "/attachments/CH1/77/notes.txt":
            return 200, "meeting notes"
        return original(call)

    discord.respond = cdn
    data = json.loads(ask("what files"))
    data["data"]["options"].append({"name": "file", "type": 11, "value": "77"})
    data["data"]["resolved"] = {
        "attachments": {
            "77": {
                "id": "77",
                "filename": "notes.txt",
                "size": 15,
                "content_type": "text/plain",
                "url": f"{discord.url}/attachments/CH1/77/notes.txt",
            }
        }
    }
    await send(async_client, json.dumps(data).encode())
    reply = await final(discord, "files:")
    assert reply.body["content"] == "files: notes.txt (text/plain)"
    asked = await Message.objects.aget(author_kind="user", content="what files")
    (element,) = [e async for e in asked.elements.all()]
    with element.file.open("rb") as stored:
        assert stored.read() == b'"meeting notes"'


async def test_an_answers_file_is_attached_to_a_follow_up_message(async_client, discord, alice):
    body = ask("a report")
    token = json.loads(body)["token"]
    await send(async_client, body)
    answer = await final(discord, "report.csv")  # named (or linked) in the answer too
    assert answer.body["content"].startswith("Here is the report.")

    await wait_for(lambda: discord.uploads(), what="the file attached")
    (upload,) = discord.uploads()
    assert (upload.method, upload.path) == ("POST", f"/api/v10/webhooks/{APP}/{token}")
    assert upload.headers["content-type"].startswith("multipart/form-data")
    assert upload.body["files[0]"] == ("report.csv", "text/csv", b"region,total\nnorth,12\n")
    payload = json.loads(upload.body["payload_json"])
    assert payload["attachments"] == [{"id": 0, "filename": "report.csv"}]


async def test_a_file_over_the_upload_cap_stays_a_link(async_client, discord, alice):
    with override_settings(
        CHAT_PLATFORM_UPLOAD_MAX_MB=0.00001, CHAT_PUBLIC_URL="https://c.example"
    ):
        await send(async_client, ask("a report"))
        await final(discord, "[report.csv](https://c.example/")
        # The sink calls Discord in order: an upload would come before the next answer.
        await send(async_client, ask("next"))
        await final(discord, "echo from discord: next")
    assert discord.uploads() == []


async def test_a_refused_upload_leaves_the_answer_and_its_link(async_client, discord, alice):
    answer_as_usual = discord.respond

    def refuse(call):
        if isinstance(call.body, dict) and "files[0]" in call.body:
            return 413, {"message": "Request entity too large", "code": 40005}
        return answer_as_usual(call)

    discord.respond = refuse
    with override_settings(CHAT_PUBLIC_URL="https://c.example"):
        await send(async_client, ask("a report"))
        await final(discord, "[report.csv](https://c.example/")
        await wait_for(lambda: discord.uploads(), what="the upload tried")
    # The conversation goes on.
    await send(async_client, ask("still there?"))
    await final(discord, "echo from discord: still there?")


async def test_with_feedback_an_answer_gets_thumbs_and_a_click_stores_the_rating(
    async_client, discord, alice
):
    from chat.models import Feedback

    with override_settings(CHAT_PLATFORM_FEEDBACK=True):
        await send(async_client, ask("rate me"))
        await wait_for(
            lambda: [c for c in discord.shown() if (c.body or {}).get("components")],
            what="the thumbs",
        )
        answer = [c for c in discord.shown() if (c.body or {}).get("components")][-1]
        assert answer.body["content"] == "echo from discord: rate me"
        buttons = answer.body["components"][0]["components"]
        assert [b["label"] for b in buttons] == ["👍", "👎"]

        response = await send(async_client, click(buttons[0]["custom_id"]))
        assert response.json() == {"type": 6}
        shown = await final(discord, "👍")
    assert shown.body == {"content": "echo from discord: rate me\n👍", "components": []}
    assert (shown.method, shown.path) == ("PATCH", answer.path)
    rating = await Feedback.objects.aget()
    assert (rating.value, rating.user_id) == (1, alice.pk)

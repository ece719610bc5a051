"""Slack: signed events in, answers out through slack_sdk's WebClient to a fake Slack API."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.test import override_settings

from chat.models import Message, PlatformAccount, Thread
from chat.platforms.slack import service
from tests.chat.platforms.fakes import FakeApi
from tests.drivers import wait_for
from tests.factories import make_user

pytestmark = pytest.mark.django_db(transaction=True)

PORT_CHECK = Path(__file__).resolve().parents[3] / "port_check"
SECRET = "slack-signing-secret"
EVENTS = "/platforms/slack/events/"
CLICKS = "/platforms/slack/interactivity/"
PEOPLE = {
    "UALICE": {"name": "alice", "profile": {"real_name": "Alice A", "email": "alice@example.com"}},
    "USTRANGER": {"name": "stranger", "profile": {"real_name": "Stranger", "email": "who@x.org"}},
}


class FakeSlack(FakeApi):
    def __init__(self) -> None:
        self.ts = 1000
        self.history: list[dict] = []  # the thread's messages, as Slack lists them
        super().__init__(self.answer)

    def answer(self, call):
        body = call.body if isinstance(call.body, dict) else {}
        if call.path.endswith("users.info"):
            user_id = call.query.get("user") or body.get("user")
            return 200, {"ok": True, "user": {"id": user_id, **PEOPLE[user_id]}}
        if call.path.endswith("files.getUploadURLExternal"):
            self.ts += 1
            name = f"F{self.ts}"
            return 200, {"ok": True, "upload_url": f"{self.url}/upload/{name}", "file_id": name}
        if call.path.startswith("/upload/"):
            return 200, None
        if call.path.endswith("files.completeUploadExternal"):
            files = json.loads(body["files"])
            return 200, {"ok": True, "files": [{"id": f["id"], "title": f["title"]} for f in files]}
        if call.path.endswith("auth.test"):
            return 200, {"ok": True, "user_id": "UBOT", "bot_id": "BBOT"}
        if call.path.endswith(("conversations.replies", "conversations.history")):
            return 200, {"ok": True, "messages": self.history}
        if call.path.endswith("chat.postMessage"):
            self.ts += 1
            return 200, {"ok": True, "channel": body["channel"], "ts": f"{self.ts}.000100"}
        return 200, {"ok": True}

    def posts(self) -> list[dict]:
        return [c.body for c in self.named("chat.postMessage")]

    def updates(self) -> list[dict]:
        return [c.body for c in self.named("chat.update")]


@pytest.fixture
def slack(conversations):
    with (
        FakeSlack() as fake,
        override_settings(
            CHAT_SLACK_SIGNING_SECRET=SECRET,
            CHAT_SLACK_BOT_TOKEN="xoxb-test",
            CHAT_SLACK_API_URL=fake.url + "/api/",
            CHAT_PLATFORM_EDIT_SECONDS=0.2,
        ),
    ):
        service.forget()
        yield fake
    service.forget()


@pytest.fixture
def alice(db):
    return make_user(email="alice@example.com", display_name="Alice")


def signed(body: bytes, *, secret: str = SECRET, at: float | None = None) -> dict[str, str]:
    timestamp = str(int(at if at is not None else time.time()))
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256)
    return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": "v0=" + digest.hexdigest()}


def mention(text: str, *, user: str = "UALICE", ts: str = "500.000001", thread_ts=None) -> bytes:
    event = {
        "type": "app_mention",
        "user": user,
        "text": f"<@UBOT> {text}",
        "channel": "C1",
        "ts": ts,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    data = {"type": "event_callback", "event_id": f"Ev{uuid.uuid4().hex[:10]}", "event": event}
    return json.dumps(data).encode()


async def post_event(async_client, body: bytes, headers: dict[str, str] | None = None):
    return await async_client.post(
        EVENTS,
        body,
        content_type="application/json",
        headers=signed(body) if headers is None else headers,
    )


async def final_text(slack: FakeSlack, containing: str) -> dict:
    """The last edit (or post) of the answer that contains `containing`, once final."""
    found: list[dict] = []

    def done() -> bool:
        shown = [*slack.posts(), *slack.updates()]
        found[:] = [
            b
            for b in shown
            if containing in b.get("text", "")
            and "…" not in json.dumps(b["blocks"], ensure_ascii=False)
        ]
        return bool(found)

    await wait_for(done, what=f"a final Slack message containing {containing!r}")
    return found[-1]


async def test_a_mention_is_answered_in_its_slack_thread_and_stored(async_client, slack, alice):
    response = await post_event(async_client, mention("hello there"))
    assert response.status_code == 200

    answer = await final_text(slack, "hello there")
    assert answer["text"].startswith("echo from slack: hello there")
    assert answer["channel"] == "C1"
    post = slack.posts()[0]
    assert post["thread_ts"] == "500.000001"  # replies in the mention's thread

    thread = await Thread.objects.aget(source="slack", external_id="C1:500.000001")
    assert thread.owner_id == alice.pk
    rows = [m async for m in Message.objects.filter(thread=thread).order_by("order")]
    assert next((m.author_kind, m.content) for m in rows) == ("user", "hello there")
    await wait_for(
        lambda: Message.objects.filter(
            thread=thread, status="done", author_kind="assistant"
        ).aexists()
    )
    assert (await thread.messages.alast()).content.startswith("echo from slack: hello there")


async def test_a_reply_in_the_same_slack_thread_continues_the_same_thread(
    async_client, slack, alice
):
    await post_event(async_client, mention("first"))
    await final_text(slack, "first")
    await post_event(async_client, mention("second", ts="501.000001", thread_ts="500.000001"))
    await final_text(slack, "second")
    assert await Thread.objects.filter(source="slack").acount() == 1
    assert await Message.objects.filter(author_kind="user").acount() == 2


async def test_the_url_verification_challenge_is_echoed(async_client, slack):
    body = json.dumps({"type": "url_verification", "challenge": "abc123"}).encode()
    response = await post_event(async_client, body)
    assert response.json() == {"challenge": "abc123"}


async def test_a_bad_or_missing_signature_is_refused(async_client, slack, alice):
    body = mention("sneaky")
    assert (await post_event(async_client, body, signed(body, secret="wrong"))).status_code == 401
    assert (await post_event(async_client, body, {})).status_code == 401
    tampered = signed(body)
    assert (
        await post_event(async_client, body.replace(b"sneaky", b"evil!!"), tampered)
    ).status_code == 401
    assert await Thread.objects.acount() == 0
    assert slack.calls == []


async def test_a_stale_request_is_refused(async_client, slack, alice):
    body = mention("from the past")
    response = await post_event(async_client, body, signed(body, at=time.time() - 600))
    assert response.status_code == 401
    assert await Thread.objects.acount() == 0


async def test_a_replayed_event_is_answered_once(async_client, slack, alice):
    body = mention("only once")
    headers = signed(body)
    assert (await post_event(async_client, body, headers)).status_code == 200
    assert (await post_event(async_client, body, headers)).status_code == 200  # Slack's retry, say
    await final_text(slack, "only once")
    assert await Message.objects.filter(author_kind="user").acount() == 1
    assert len(slack.posts()) == 1


async def test_a_streamed_answer_edits_the_slack_message_as_it_grows(async_client, slack, alice):
    await post_event(async_client, mention("stream 20"))
    final = await final_text(slack, "t19")
    assert final["text"].strip() == " ".join(f"t{i}" for i in range(20))
    updates = slack.updates()
    growing = [u for u in updates if "…" in json.dumps(u["blocks"], ensure_ascii=False)]
    # Edited while streaming, each time with more text, and far less often than per token.
    assert growing, "no edit while the answer streamed"
    lengths = [len(u["text"]) for u in growing]
    assert lengths == sorted(lengths)
    assert len(updates) < 20
    assert all(u["ts"] == updates[0]["ts"] for u in updates)  # one Slack message, edited


async def test_buttons_are_block_kit_buttons_and_a_click_runs_the_callback(
    async_client, slack, alice
):
    await post_event(async_client, mention("buttons"))
    choose = await final_text(slack, "Choose one")
    buttons = next(b for b in choose["blocks"] if b["type"] == "actions")["elements"]
    assert [b["text"]["text"] for b in buttons] == ["One", "Two"]

    payload = {
        "type": "block_actions",
        "trigger_id": uuid.uuid4().hex,
        "user": {"id": "UALICE"},
        "channel": {"id": "C1"},
        "message": {"ts": "1002.000100", "thread_ts": "500.000001"},
        "actions": [{"value": buttons[1]["value"], "action_ts": "1.2"}],
    }
    body = urlencode({"payload": json.dumps(payload)}).encode()
    response = await async_client.post(
        CLICKS, body, content_type="application/x-www-form-urlencoded", headers=signed(body)
    )
    assert response.status_code == 200
    await final_text(slack, "picked 2")


async def test_a_click_with_a_bad_signature_runs_nothing(async_client, slack, alice):
    body = urlencode({"payload": json.dumps({"type": "block_actions"})}).encode()
    response = await async_client.post(
        CLICKS,
        body,
        content_type="application/x-www-form-urlencoded",
        headers=signed(body, secret="nope"),
    )
    assert response.status_code == 401


async def test_a_button_of_another_conversation_does_nothing(async_client, slack, alice):
    await post_event(async_client, mention("buttons"))
    choose = await final_text(slack, "Choose one")
    value = next(b for b in choose["blocks"] if b["type"] == "actions")["elements"][0]["value"]
    payload = {
        "type": "block_actions",
        "trigger_id": uuid.uuid4().hex,
        "user": {"id": "UALICE"},
        "channel": {"id": "C2"},
        "message": {"ts": "9.1", "thread_ts": "9.0"},
        "actions": [{"value": value, "action_ts": "1.3"}],
    }
    body = urlencode({"payload": json.dumps(payload)}).encode()
    await async_client.post(
        CLICKS, body, content_type="application/x-www-form-urlencoded", headers=signed(body)
    )
    await post_event(async_client, mention("after", ts="502.1", thread_ts="500.000001"))
    await final_text(slack, "after")
    assert not [p for p in slack.posts() if "picked" in p["text"]]


async def test_an_unknown_slack_user_is_refused_by_default(async_client, slack, alice):
    await post_event(async_client, mention("let me in", user="USTRANGER"))
    await wait_for(lambda: slack.named("chat.postEphemeral"), what="a refusal")
    refusal = slack.named("chat.postEphemeral")[0].body
    assert refusal["user"] == "USTRANGER"
    assert "not linked" in refusal["text"]
    assert await Thread.objects.acount() == 0


async def test_an_unknown_slack_user_gets_an_account_when_the_setting_says_create(
    async_client, slack, alice
):
    with override_settings(CHAT_PLATFORM_UNKNOWN_USERS="create"):
        await post_event(async_client, mention("hello", user="USTRANGER"))
        await final_text(slack, "hello")
    link = await PlatformAccount.objects.select_related("user").aget(external_id="USTRANGER")
    assert link.user.email == "who@x.org"
    assert link.user.display_name == "Stranger"
    assert not link.user.has_usable_password()


async def test_slack_is_off_without_its_secrets(async_client):
    body = mention("anyone?")
    assert (await post_event(async_client, body)).status_code == 404


async def test_a_mention_gets_the_eyes_reaction_at_once(async_client, slack, alice):
    await post_event(async_client, mention("look at this", ts="510.000001"))
    await final_text(slack, "look at this")
    (reaction,) = [c.body for c in slack.named("reactions.add")]
    assert reaction == {"channel": "C1", "timestamp": "510.000001", "name": "eyes"}


async def test_without_the_reactions_scope_the_answer_still_comes(async_client, slack, alice):
    original = slack.respond

    def no_scope(call):
        if call.path.endswith("reactions.add"):
            return 200, {"ok": False, "error": "missing_scope"}
        return original(call)

    slack.respond = no_scope
    await post_event(async_client, mention("no eyes here"))
    answer = await final_text(slack, "no eyes here")
    assert answer["text"].startswith("echo from slack: no eyes here")


def reaction(
    name: str, *, user: str = "UALICE", ts: str = "500.000001", item_user: str = "UBOT"
) -> bytes:
    event = {
        "type": "reaction_added",
        "user": user,
        "reaction": name,
        "item": {"type": "message", "channel": "C1", "ts": ts},
        "item_user": item_user,
        "event_ts": "520.000001",
    }
    data = {"type": "event_callback", "event_id": f"Ev{uuid.uuid4().hex[:10]}", "event": event}
    return json.dumps(data).encode()


async def test_a_reaction_reaches_on_slack_reaction_added(async_client, slack, monkeypatch):
    import chat.sdk as cl
    from chat.engine.registry import hooks

    seen: list[dict] = []
    monkeypatch.setattr(hooks, "on_slack_reaction_added", None)

    @cl.on_slack_reaction_added
    async def reacted(event):
        seen.append(event)

    body = reaction("+1")
    assert (await post_event(async_client, body)).status_code == 200
    await wait_for(lambda: seen, what="the reaction hook called")
    assert seen[0]["reaction"] == "+1"
    assert seen[0]["item"] == {"type": "message", "channel": "C1", "ts": "500.000001"}
    # Slack's retry of the same event is not handed on twice.
    await post_event(async_client, body)
    await post_event(async_client, reaction("tada", user="UALICE"))
    await wait_for(lambda: len(seen) == 2, what="the second reaction")
    assert [e["reaction"] for e in seen] == ["+1", "tada"]


async def test_a_thread_started_before_the_mention_is_in_the_chat_context(
    async_client, slack, alice
):
    original = slack.respond

    def with_history(call):
        if call.path.endswith("conversations.replies"):
            assert (call.query.get("ts") or call.body.get("ts")) == "400.000001"
            return 200, {
                "ok": True,
                "messages": [
                    {"ts": "400.000001", "user": "UALICE", "text": "Our VPN is down again"},
                    {"ts": "410.000001", "user": "USTRANGER", "text": "Same here since 9"},
                    {"ts": "450.000001", "user": "UALICE", "text": "<@UBOT> what came before"},
                    {"ts": "460.000001", "user": "USTRANGER", "text": "written after"},
                ],
            }
        return original(call)

    slack.respond = with_history
    body = mention("what came before", ts="450.000001", thread_ts="400.000001")
    await post_event(async_client, body)
    answer = await final_text(slack, "context:")
    assert answer["text"] == (
        "context: user: Our VPN is down again | user: Same here since 9 | user: what came before"
    )
    thread = await Thread.objects.aget(source="slack", external_id="C1:400.000001")
    rows = [
        (m.author_name, m.content)
        async for m in Message.objects.filter(thread=thread).order_by("order")
    ][:3]
    assert rows == [
        ("Alice A", "Our VPN is down again"),
        ("Stranger", "Same here since 9"),
        ("Alice", "what came before"),
    ]
    # Asked once, when the conversation began here: a later mention reads no history.
    await post_event(async_client, mention("hello again", ts="470.000001", thread_ts="400.000001"))
    await final_text(slack, "hello again")
    assert len(slack.named("conversations.replies")) == 1


async def test_a_history_slack_refuses_leaves_the_answer_to_come(async_client, slack, alice):
    original = slack.respond

    def refused(call):
        if call.path.endswith("conversations.replies"):
            return 200, {"ok": False, "error": "missing_scope"}
        return original(call)

    slack.respond = refused
    await post_event(async_client, mention("still answered", ts="650.000001", thread_ts="600.1"))
    answer = await final_text(slack, "still answered")
    assert answer["text"].startswith("echo from slack: still answered")


def with_files(text: str, *names: str, url: str, ts: str = "900.000001") -> bytes:
    data = json.loads(mention(text, ts=ts))
    data["event"]["files"] = [
        {"id": f"F{i}", "name": name, "mimetype": "text/csv", "url_private": f"{url}/files/{name}"}
        for i, name in enumerate(names)
    ]
    return json.dumps(data).encode()


async def test_files_sent_with_a_mention_arrive_as_the_messages_elements(
    async_client, slack, alice
):
    # Served through FakeApi's JSON writer: the body is the file's text as a JSON string.
    original = slack.respond

    def files(call):
        if call.method == "GET" and call.path == "/files/report.csv":
            assert call.headers.get("authorization") == "Bearer xoxb-test"
            return 200, "quarter,revenue Q1,10"
        return original(call)

    slack.respond = files
    await post_event(async_client, with_files("what files", "report.csv", url=slack.url))
    answer = await final_text(slack, "files:")
    assert answer["text"] == "files: report.csv (text/csv)"
    thread = await Thread.objects.aget(source="slack", external_id="C1:900.000001")
    asked = await Message.objects.aget(thread=thread, author_kind="user")
    (element,) = [e async for e in asked.elements.all()]
    assert element.name == "report.csv"
    with element.file.open("rb") as stored:
        assert stored.read() == b'"quarter,revenue Q1,10"'


async def test_a_file_over_the_upload_limit_is_refused_with_a_notice(async_client, slack, alice):
    original = slack.respond

    def big(call):
        if call.method == "GET" and call.path == "/files/big.csv":
            return 200, "x" * 4096
        return original(call)

    slack.respond = big
    with override_settings(CHAT_UPLOAD_MAX_MB=0.001):
        await post_event(async_client, with_files("what files", "big.csv", url=slack.url))
        await wait_for(lambda: slack.named("chat.postEphemeral"), what="the refusal")
    notice = slack.named("chat.postEphemeral")[0].body
    assert "big.csv" in notice["text"]
    assert not await Message.objects.filter(content="what files").aexists()


async def test_an_answers_file_is_uploaded_to_the_slack_thread(async_client, slack, alice):
    await post_event(async_client, mention("a report"))
    await wait_for(lambda: slack.named("files.completeUploadExternal"), what="the upload shared")
    answer = await final_text(slack, "Here is the report.")
    assert "report.csv" in json.dumps(answer["blocks"])  # named (or linked) in the answer too

    (asked,) = slack.named("files.getUploadURLExternal")
    data = b"region,total\nnorth,12\n"
    assert (asked.body["filename"], asked.body["length"]) == ("report.csv", str(len(data)))
    (sent,) = [c for c in slack.calls if c.path.startswith("/upload/")]
    assert sent.raw == data  # the bytes as they are, to the address Slack gave
    file_id = sent.path.rsplit("/", 1)[1]
    (shared,) = slack.named("files.completeUploadExternal")
    assert (shared.body["channel_id"], shared.body["thread_ts"]) == ("C1", "500.000001")
    assert json.loads(shared.body["files"]) == [{"id": file_id, "title": "report.csv"}]


async def test_an_upload_slack_refuses_leaves_the_link(async_client, slack, alice):
    answer_as_usual = slack.respond

    def refuse(call):
        if call.path.endswith("files.getUploadURLExternal"):
            return 200, {"ok": False, "error": "not_allowed_token_type"}
        return answer_as_usual(call)

    slack.respond = refuse
    with override_settings(CHAT_PUBLIC_URL="https://c.example"):
        await post_event(async_client, mention("a report"))
        await wait_for(lambda: slack.named("files.getUploadURLExternal"), what="the upload tried")
        answer = await final_text(slack, "Here is the report.")
    assert "<https://c.example/" in json.dumps(answer["blocks"])
    assert slack.named("files.completeUploadExternal") == []


async def test_the_hooks_see_the_slack_event_and_can_read_the_thread(async_client, slack, alice):
    await post_event(async_client, mention("what event", ts="600.000001"))
    assert (await final_text(slack, "event:"))["text"].startswith("event: 600.000001")

    slack.history = [
        {"type": "message", "user": "UALICE", "text": "first", "ts": "600.000001"},
        {"type": "message", "user": "UBOB", "text": "second", "ts": "600.000002"},
    ]
    await post_event(
        async_client, mention("read the thread", ts="600.000003", thread_ts="600.000001")
    )
    answer = await final_text(slack, "thread:")
    assert answer["text"].startswith("thread: first | second")
    (read,) = [c for c in slack.calls if c.path.endswith("conversations.replies")]
    assert (read.query or read.body)["ts"] == "600.000001"


async def test_a_reaction_to_an_answer_runs_the_hook_in_its_conversation(
    async_client, slack, alice, monkeypatch
):
    import chat.sdk as cl
    from chat.engine.registry import hooks

    monkeypatch.setattr(hooks, "on_slack_reaction_added", None)

    @cl.on_slack_reaction_added
    async def reacted(event):
        await cl.Message(content=f"thanks for the {event['reaction']}").send()

    await post_event(async_client, mention("hello", ts="800.000001"))
    await final_text(slack, "echo from slack: hello")
    answer_ts = f"{slack.ts}.000100"
    # The answer is a reply in the mention's thread, as Slack lists it.
    slack.history = [
        {"type": "message", "user": "UBOT", "ts": answer_ts, "thread_ts": "800.000001"}
    ]
    await post_event(async_client, reaction("tada", ts=answer_ts))

    thanks = await final_text(slack, "thanks for the tada")
    assert thanks["thread_ts"] == "800.000001"
    thread = await Thread.objects.aget(source="slack", external_id="C1:800.000001")
    assert await Message.objects.filter(thread=thread, content="thanks for the tada").aexists()


async def test_the_bots_own_reactions_and_reactions_to_others_messages_are_left_alone(
    async_client, slack, monkeypatch
):
    import chat.sdk as cl
    from chat.engine.registry import hooks

    seen: list[dict] = []
    monkeypatch.setattr(hooks, "on_slack_reaction_added", None)

    @cl.on_slack_reaction_added
    async def reacted(event):
        seen.append(event)

    await post_event(async_client, reaction("eyes", user="UBOT"))
    await post_event(async_client, reaction("+1", item_user="UBOB"))
    await post_event(async_client, reaction("tada"))

    def handled() -> bool:
        handling = [t for t in asyncio.all_tasks() if t.get_name().startswith("slack-reaction-")]
        return bool(seen) and all(t.done() for t in handling)

    await wait_for(handled, what="the three reactions handled")
    assert [e["reaction"] for e in seen] == ["tada"]


async def test_with_feedback_an_answer_gets_thumbs_and_a_click_stores_the_rating(
    async_client, slack, alice
):
    from chat.models import Feedback

    def thumbs(body: dict) -> list[dict]:
        return [e for b in body["blocks"] if b["type"] == "actions" for e in b["elements"]]

    def rated(body: dict) -> bool:
        return body["blocks"][-1] == {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": "👎"}],
        }

    with override_settings(CHAT_PLATFORM_FEEDBACK=True):
        await post_event(async_client, mention("rate me"))
        await wait_for(lambda: [u for u in slack.updates() if thumbs(u)], what="the thumbs")
        answer = [u for u in slack.updates() if thumbs(u)][-1]
        assert [b["text"]["text"] for b in thumbs(answer)] == ["👍", "👎"]

        payload = {
            "type": "block_actions",
            "trigger_id": uuid.uuid4().hex,
            "user": {"id": "UALICE"},
            "channel": {"id": "C1"},
            "message": {"ts": answer["ts"], "thread_ts": "500.000001"},
            "actions": [{"value": thumbs(answer)[1]["value"], "action_ts": "1.2"}],
        }
        body = urlencode({"payload": json.dumps(payload)}).encode()
        await async_client.post(
            CLICKS, body, content_type="application/x-www-form-urlencoded", headers=signed(body)
        )
        await wait_for(lambda: [u for u in slack.updates() if rated(u)], what="the rating shown")
    shown = [u for u in slack.updates() if rated(u)][-1]
    assert shown["ts"] == answer["ts"]
    assert thumbs(shown) == []  # the buttons are gone
    rating = await Feedback.objects.aget()
    assert (rating.value, rating.user_id) == (-1, alice.pk)


async def test_a_chainlit_slack_app_reads_its_thread_and_answers_reactions(
    async_client, slack, alice, use_assistant
):
    use_assistant(str(PORT_CHECK / "slack_thread_bot.py"))
    slack.history = [
        {"type": "message", "user": "USTRANGER", "text": "the build is red", "ts": "900.000001"},
        {"type": "message", "user": "UALICE", "text": "<@UBOT> why", "ts": "900.000002"},
    ]
    await post_event(async_client, mention("why", ts="900.000002", thread_ts="900.000001"))
    answer = await final_text(slack, "before you asked")
    assert answer["text"] == "In C1 before you asked: the build is red"

    answer_ts = f"{slack.ts}.000100"  # the fake's last post
    slack.history = [
        {"type": "message", "user": "UBOT", "ts": answer_ts, "thread_ts": "900.000001"}
    ]
    await post_event(async_client, reaction("tada", ts=answer_ts))
    thanks = await final_text(slack, "Thanks for the")
    assert (thanks["text"], thanks["thread_ts"]) == ("Thanks for the :tada:", "900.000001")

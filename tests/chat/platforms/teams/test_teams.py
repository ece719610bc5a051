"""Teams: activities with the connector's JWT in, replies through a fake connector API."""

from __future__ import annotations

import json

import pytest
from django.test import override_settings

from chat.models import Message, PlatformAccount, Thread
from tests.chat.platforms.teams.fakes import OTHER_KEY, URL, activity, final, send, token
from tests.drivers import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_message_is_answered_through_the_connector(async_client, teams, alice):
    data = activity(teams, "hello teams")
    response = await send(async_client, data)
    assert response.status_code == 202

    answer = await final(teams, "hello teams")
    assert answer.body["text"] == "echo from teams: hello teams"
    assert answer.headers["authorization"] == "Bearer bot-token"
    # "Typing…" first, as soon as the message is in.
    (typing,) = teams.typings()
    assert teams.calls.index(typing) < teams.calls.index(teams.shown()[0])
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


async def test_with_feedback_on_an_answer_gets_thumbs_and_a_click_stores_the_rating(
    async_client, teams, alice
):
    from chat.models import Feedback

    def rated_answer(call) -> bool:
        return (call.body or {}).get("text") == "echo from teams: rate me" and bool(
            call.body.get("attachments")
        )

    with override_settings(CHAT_PLATFORM_FEEDBACK=True):
        await send(async_client, activity(teams, "rate me"))
        await wait_for(lambda: [c for c in teams.shown() if rated_answer(c)], what="thumbs")
        answer = [c for c in teams.shown() if rated_answer(c)][-1]
        actions = answer.body["attachments"][0]["content"]["actions"]
        assert [a["title"] for a in actions] == ["👍", "👎"]

        response = await send(async_client, activity(teams, value=actions[1]["data"]))
        assert response.status_code == 202
        shown = await final(teams, "👎")
    assert shown.body["text"] == "echo from teams: rate me\n\n👎"
    assert "attachments" not in shown.body  # the buttons are gone
    assert shown.path == answer.path  # the answer itself, edited
    rating = await Feedback.objects.aget()
    assert (rating.value, rating.user_id) == (-1, alice.pk)


async def test_a_rating_after_the_conversation_idled_out_is_stored_and_thanked(
    async_client, teams, alice
):
    from chat.models import Feedback
    from chat.platforms import headless

    with override_settings(CHAT_PLATFORM_FEEDBACK=True):
        await send(async_client, activity(teams, "rate me later"))
        await wait_for(
            lambda: [c for c in teams.shown() if (c.body or {}).get("attachments")],
            what="thumbs",
        )
        card = [c for c in teams.shown() if (c.body or {}).get("attachments")][-1]
        thumbs_up = card.body["attachments"][0]["content"]["actions"][0]["data"]
        await headless.conversations().close_all()  # idle: the next event opens it again

        await send(async_client, activity(teams, value=thumbs_up))
        thanks = await final(teams, "Thank you")
    assert thanks.body["text"] == "Thank you for your feedback."
    assert (await Feedback.objects.aget()).value == 1

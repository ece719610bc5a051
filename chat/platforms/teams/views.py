"""The Bot Framework messaging endpoint: verify the connector's token, acknowledge, answer
in the background. Messages and card clicks are answered 202; a file consent card's
answer (an invoke) 200, as the Bot Framework expects of an invoke; other invokes 501."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse

from chat.platforms import guard
from chat.platforms.headless import in_background
from chat.platforms.teams import auth, consent, service


async def messages(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponse(status=405)
    try:
        data: Any = json.loads(request.body)
        service_url = str(data["serviceUrl"])
        channel = str(data.get("channelId") or "")
    except (ValueError, KeyError, TypeError):
        return HttpResponse("Not an activity.", status=400)
    try:
        # The token's expiry bounds replays in time; the activity id, within it.
        await auth.verify(request.headers.get("Authorization", ""), service_url, channel)
    except auth.Refused:
        return HttpResponse("Invalid or expired token.", status=401)
    if data.get("type") == "invoke":
        return await _invoke(data)
    try:
        activity = service.Activity.from_payload(data)
    except service.NotAMessage:
        return HttpResponse(status=200)  # conversation updates, typing: nothing to answer
    except (KeyError, TypeError, AttributeError):
        return HttpResponse("Not an activity this bot handles.", status=400)
    if not await guard.first_time("teams", f"{activity.conversation}:{activity.id}"):
        return HttpResponse("Already handled.", status=409)
    member_id = str(data["from"]["id"])
    in_background(service.handle(activity, member_id), name=f"teams-{activity.id}")
    return HttpResponse(status=202)


async def _invoke(data: dict[str, Any]) -> HttpResponse:
    if data.get("name") != consent.INVOKE_NAME:
        return HttpResponse(status=501)
    try:
        answer = consent.ConsentAnswer.from_payload(data)
    except (ValueError, KeyError, TypeError):
        return HttpResponse("Not a file consent this bot handles.", status=400)
    if not await guard.first_time("teams", f"{answer.conversation}:{answer.id}"):
        return HttpResponse("Already handled.", status=409)
    in_background(consent.answer(answer), name=f"teams-consent-{answer.id}")
    return HttpResponse(status=200)

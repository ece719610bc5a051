"""The Bot Framework messaging endpoint: verify the connector's token, acknowledge, answer
in the background."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse

from chat.platforms import guard
from chat.platforms.headless import in_background
from chat.platforms.teams import auth, service


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

"""Slack's requests: verify the signature, acknowledge at once, answer in the background."""

from __future__ import annotations

import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from slack_sdk.signature import SignatureVerifier

from chat.platforms import guard
from chat.platforms.headless import in_background
from chat.platforms.slack import service


def _verified(request: HttpRequest) -> bool:
    timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
    signature = request.headers.get("X-Slack-Signature", "")
    if not timestamp or not signature or not guard.fresh(timestamp):
        return False
    verifier = SignatureVerifier(settings.CHAT_SLACK_SIGNING_SECRET)
    return verifier.is_valid(request.body, timestamp, signature)


def _refused() -> HttpResponse:
    return HttpResponse("Invalid or stale signature.", status=401)


async def events(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponse(status=405)
    if not _verified(request):
        return _refused()
    try:
        data = json.loads(request.body)
    except ValueError:
        return HttpResponse("Not JSON.", status=400)
    if not isinstance(data, dict):
        return HttpResponse("Not a JSON object.", status=400)
    if data.get("type") == "url_verification":
        return JsonResponse({"challenge": str(data.get("challenge", ""))})
    event = data.get("event")
    event_id = data.get("event_id")
    if (
        data.get("type") == "event_callback"
        and isinstance(event, dict)
        and isinstance(event_id, str)
        and (service.wanted(event) or service.wanted_reaction(event))
        # Slack retries an event it thinks went unanswered; a replay is the same event.
        and await guard.first_time("slack", event_id)
    ):
        if service.wanted(event):
            in_background(service.on_event(event, event_id), name=f"slack-event-{event_id}")
        else:
            in_background(service.on_reaction(event), name=f"slack-reaction-{event_id}")
    return HttpResponse(status=200)


async def interactivity(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponse(status=405)
    if not _verified(request):
        return _refused()
    try:
        payload = json.loads(request.POST.get("payload", ""))
        click = service.Click.from_payload(payload)
    except (ValueError, KeyError, TypeError, AttributeError):
        return HttpResponse("Not a block action Slack sends.", status=400)
    if await guard.first_time("slack", f"click:{click.key}"):
        in_background(service.on_click(click), name=f"slack-click-{click.key}")
    return HttpResponse(status=200)

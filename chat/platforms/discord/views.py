"""Discord's interactions: verify the Ed25519 signature, answer within 3 s (deferred),
then do the work in the background."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from chat.platforms import guard
from chat.platforms.discord import service
from chat.platforms.headless import in_background

PING, COMMAND, COMPONENT = 1, 2, 3
PONG, DEFERRED_REPLY, DEFERRED_UPDATE = 1, 5, 6


def _verified(request: HttpRequest) -> bool:
    signature = request.headers.get("X-Signature-Ed25519", "")
    timestamp = request.headers.get("X-Signature-Timestamp", "")
    if not signature or not timestamp or not guard.fresh(timestamp):
        return False
    try:
        key = VerifyKey(bytes.fromhex(settings.CHAT_DISCORD_PUBLIC_KEY))
        key.verify(timestamp.encode() + request.body, bytes.fromhex(signature))
    except (BadSignatureError, ValueError):
        return False
    return True


async def interactions(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponse(status=405)
    if not _verified(request):
        return HttpResponse("Invalid or stale signature.", status=401)
    try:
        data: Any = json.loads(request.body)
        kind = data["type"]
    except (ValueError, KeyError, TypeError):
        return HttpResponse("Not an interaction.", status=400)
    if kind == PING:
        return JsonResponse({"type": PONG})
    try:
        interaction = service.Interaction.from_payload(data)
    except (ValueError, KeyError, TypeError, AttributeError):
        return HttpResponse("Not an interaction this bot handles.", status=400)
    if not await guard.first_time("discord", interaction.id):
        # A replay: Discord never sends an interaction twice.
        return HttpResponse("Already handled.", status=409)
    in_background(service.handle(interaction), name=f"discord-{interaction.id}")
    return JsonResponse({"type": DEFERRED_REPLY if kind == COMMAND else DEFERRED_UPDATE})

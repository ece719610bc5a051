"""The platforms' endpoints, and the copilot widget's. A platform whose settings are unset
answers 404 here and its package is never imported, so a platform turned off costs nothing.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from chatproject.body_limits import takes_webhooks

app_name = "platforms"


def enabled(platform: str) -> bool:
    """Whether the environment turns the platform on (all of its secrets are set)."""
    if platform == "slack":
        return bool(settings.CHAT_SLACK_SIGNING_SECRET and settings.CHAT_SLACK_BOT_TOKEN)
    if platform == "discord":
        return bool(settings.CHAT_DISCORD_PUBLIC_KEY and settings.CHAT_DISCORD_APPLICATION_ID)
    if platform == "teams":
        return bool(settings.CHAT_TEAMS_APP_ID and settings.CHAT_TEAMS_APP_PASSWORD)
    if platform == "copilot":
        return settings.CHAT_COPILOT
    return False


def _endpoint(platform: str, name: str) -> Callable[..., Any]:
    """A view that imports the platform's views only once the platform is on."""

    # Platforms sign their requests; a CSRF token is not theirs to send.
    @takes_webhooks
    @csrf_exempt
    async def view(request: HttpRequest) -> HttpResponse:
        if not enabled(platform):
            raise Http404
        module = importlib.import_module(f"chat.platforms.{platform}.views")
        target = getattr(module, name)
        if inspect.iscoroutinefunction(target):
            return await target(request)
        return await sync_to_async(target)(request)

    view.__name__ = f"{platform}_{name}"
    return view


urlpatterns = [
    path("platforms/slack/events/", _endpoint("slack", "events"), name="slack_events"),
    path(
        "platforms/slack/interactivity/",
        _endpoint("slack", "interactivity"),
        name="slack_interactivity",
    ),
    path("platforms/discord/interactions/", _endpoint("discord", "interactions"), name="discord"),
    path("platforms/teams/messages/", _endpoint("teams", "messages"), name="teams"),
    # The copilot widget: the script other pages include, and the page it frames.
    path("copilot.js", _endpoint("copilot", "script"), name="copilot_script"),
    path("copilot/", _endpoint("copilot", "panel"), name="copilot"),
    # Chainlit's embed script, for pages written for a Chainlit copilot.
    path("copilot/index.js", _endpoint("copilot", "chainlit_script"), name="copilot_chainlit"),
]

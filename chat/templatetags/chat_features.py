"""Template tags for features the settings turn on or off."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings

from chat import permissions

register = template.Library()


@register.simple_tag
def sharing_on(thread: Any = None) -> bool:
    """Whether conversations (this one, with its profile's switch) may be shared."""
    return permissions.sharing_on(thread)


@register.simple_tag
def frame_origins() -> str:
    """The origins whose pages may frame the chat (CHAT_FRAME_ANCESTORS), space-separated."""
    return " ".join(settings.CHAT_FRAME_ANCESTORS)

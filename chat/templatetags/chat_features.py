"""Template tags for features the settings turn on or off."""

from __future__ import annotations

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def sharing_on() -> bool:
    """Whether conversations may be shared (CHAT_SHARING)."""
    return bool(settings.CHAT_SHARING)


@register.simple_tag
def frame_origins() -> str:
    """The origins whose pages may frame the chat (CHAT_FRAME_ANCESTORS), space-separated."""
    return " ".join(settings.CHAT_FRAME_ANCESTORS)

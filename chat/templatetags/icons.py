"""Icons by name in templates: `{{ name|icon_kind }}` and `{{ name|icon_symbol }}`."""

from __future__ import annotations

from django import template

from chat.rendering import chat_start, icons

register = template.Library()


@register.filter
def icon_kind(icon: str) -> str:
    return chat_start.icon_kind(icon or "")


@register.filter
def icon_symbol(icon: str) -> str:
    return icons.symbol(icon or "")


@register.simple_tag
def icon_sprite() -> str:
    """The sprite's path under static/, for {% static %}."""
    return icons.SPRITE

"""Template filters for the app's public/ folder (chat.rendering.public_folder)."""

from __future__ import annotations

from django import template

from chat.rendering import public_folder

register = template.Library()


@register.filter
def avatar_url(author: str) -> str:
    """The author's picture from public/avatars/, or "" to draw their initial."""
    return public_folder.avatar_url(author or "")

"""The attachments an answer's files become in Teams: a picture shown in the message, the
card asking the person to accept a file (personal chats), and the card of a file sent."""

from __future__ import annotations

import base64
from typing import Any

from django.utils.translation import gettext as _

from chat.platforms.sink import OutElement

CONSENT_CARD = "application/vnd.microsoft.teams.card.file.consent"
FILE_INFO_CARD = "application/vnd.microsoft.teams.card.file.info"
# The picture formats Teams shows inline; others (SVG among them) are sent as files.
INLINE_IMAGES = frozenset({"image/png", "image/jpeg", "image/gif"})
# What the card hands back when the person answers it: which of our elements it offers.
ELEMENT_KEY = "chat_element"


def inline_image(element: OutElement, data: bytes) -> dict[str, Any]:
    """A picture carried in the message itself, as a data: URL (Teams caps a message's
    size, so only small pictures go this way)."""
    encoded = base64.b64encode(data).decode()
    return {
        "contentType": element.mime,
        "contentUrl": f"data:{element.mime};base64,{encoded}",
        "name": element.name,
    }


def consent_card(element: OutElement) -> dict[str, Any]:
    """Asks the person to accept the file into their OneDrive; Teams answers with an
    invoke that carries where to upload it, and the context given here."""
    context = {ELEMENT_KEY: element.id}
    return {
        "contentType": CONSENT_CARD,
        "name": element.name,
        "content": {
            "description": _("A file from the assistant's answer."),
            "sizeInBytes": element.size,
            "acceptContext": context,
            "declineContext": context,
        },
    }


def file_info_card(name: str, content_url: str, unique_id: str, file_type: str) -> dict[str, Any]:
    """The sent file, as Teams shows a shared file: open, preview or download it."""
    return {
        "contentType": FILE_INFO_CARD,
        "contentUrl": content_url,
        "name": name,
        "content": {"uniqueId": unique_id, "fileType": file_type},
    }

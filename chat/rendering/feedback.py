"""What sits under an answer: copy, thumbs up or down, the comment; live or read-only."""

from __future__ import annotations

from django.template.loader import render_to_string

from chat.models import Message
from chat.rendering.urls import item_url

FRAGMENTS = "chat/fragments/"
# How a transcript is shown: in the chat (rate, click), in the admin's review (ratings
# shown, nothing clickable) or behind a shared link (neither).
CHAT = "chat"
REVIEW = "review"
SHARED = "shared"


def rateable(message: Message, status: str) -> bool:
    """Finished answers of the assistant; not the user's words, errors or questions."""
    return (
        message.author_kind == Message.Author.ASSISTANT
        and status != Message.Status.STREAMING
        and not message.is_error
        and not message.metadata.get("ask")
    )


def feedback_context(message: Message, *, mode: str = CHAT, just_rated: bool = False) -> dict:
    """The rating as annotated on the message (Message.objects.with_feedback())."""
    value = getattr(message, "feedback_value", None)
    comment = getattr(message, "feedback_comment", None) or ""
    return {
        "message_id": message.id,
        "url": item_url("chat:feedback", message.id),
        "value": value,
        "comment": comment,
        "readonly": mode != CHAT,
        # Right after a thumb is pressed, the comment box opens to invite one.
        "open_comment": just_rated and bool(value) and not comment,
    }


def tools_context(message: Message, status: str, mode: str = CHAT) -> dict | None:
    """Copy and rating tools under a finished answer; None where there are none."""
    live = mode == CHAT and not message.metadata.get("superseded")
    if message.author_kind == Message.Author.USER:
        # The user's own words can be changed, in the live chat only. (Every key is set:
        # a template asking a dict for a missing "copy" would call dict.copy.)
        if not live:
            return None
        return {
            "edit": True,
            "message_id": message.id,
            "copy": False,
            "feedback": None,
            # A star saves the words as a favorite; whether they already are one is known
            # where the page is drawn for its person (`starred`), not in a pushed frame.
            "star": bool(message.content.strip()),
            "starred": getattr(message, "starred", False),
        }
    if status == Message.Status.STREAMING:
        return None
    show_rating = mode != SHARED and rateable(message, status)
    return {
        "copy": bool(message.content),
        # The markdown the answer was written in, copied with its HTML (not on a shared
        # page: its readers may have no account).
        "source_url": item_url("chat:message_source", message.thread_id, message.id)
        if mode != SHARED
        else "",
        "feedback": feedback_context(message, mode=mode) if show_rating else None,
        # Shown on the conversation's last answer only (by CSS), so it needs no re-render
        # of the previous answer when a new one arrives.
        "regenerate": live and not message.metadata.get("ask"),
    }


def feedback(message: Message, *, just_rated: bool = False) -> str:
    return render_to_string(
        FRAGMENTS + "feedback.html",
        {"feedback": feedback_context(message, just_rated=just_rated)},
    )

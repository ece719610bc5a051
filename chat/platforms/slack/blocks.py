"""Messages as Slack shows them: mrkdwn text, element links and Block Kit buttons."""

from __future__ import annotations

import re
from typing import Any

from chat.platforms.sink import RATINGS, STREAMING_MARK, OutMessage

SECTION_CHARS = 3000  # Slack's limit for one section's text
MAX_BUTTONS = 25  # per actions block

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")
_HEADING = re.compile(r"^#{1,6}\s+(.+)$", re.MULTILINE)


def escape(text: str) -> str:
    """Slack reads &, < and > as markup: a model's text must not make links or mentions."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn(markdown: str) -> str:
    """The common markdown of an answer in Slack's dialect (bold, links, headings)."""
    text = escape(markdown)
    text = _LINK.sub(lambda m: f"<{m.group(2)}|{m.group(1)}>", text)
    text = _BOLD.sub(r"*\1*", text)
    return _HEADING.sub(r"*\1*", text)


def _sections(text: str) -> list[dict[str, Any]]:
    chunks = [text[i : i + SECTION_CHARS] for i in range(0, len(text), SECTION_CHARS)] or [""]
    return [{"type": "section", "text": {"type": "mrkdwn", "text": c}} for c in chunks if c]


def render(message: OutMessage) -> tuple[str, list[dict[str, Any]]]:
    """(fallback text, blocks) for chat.postMessage and chat.update."""
    body = mrkdwn(message.content)
    if message.streaming:
        body += STREAMING_MARK
    if message.is_error:
        body = f":warning: {body}"
    blocks = _sections(body.strip() or "…")
    for element in message.elements:
        name = escape(element.name)
        line = f"<{element.url}|{name}>" if element.url else name
        if element.text:
            quoted = "\n".join(f"> {row}" for row in escape(element.text).splitlines()[:20])
            line = f"{line}\n{quoted}"
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": line}]})
    if message.rating is not None:
        text = RATINGS[str(message.rating)]
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": text}]})
    if message.buttons:
        blocks.append(
            {
                "type": "actions",
                "block_id": f"actions-{message.id}",
                "elements": [
                    {
                        "type": "button",
                        "action_id": f"chat-action-{i}",
                        "text": {"type": "plain_text", "text": (b.label or "…")[:75]},
                        "value": b.value,
                    }
                    for i, b in enumerate(message.buttons[:MAX_BUTTONS])
                ],
            }
        )
    fallback = (message.content or "…")[:3000]
    return fallback, blocks[:50]

"""Compiles the pushed fragments' templates and loads the markdown renderer at start-up.

Otherwise the first answer after a start pays for them (tens of milliseconds: template
parsing, the markdown and sanitiser set-up, the language catalogue) before its first token.
"""

from __future__ import annotations

import logging
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils import timezone

from chat.models import Message, Step
from chat.rendering import fragments

logger = logging.getLogger(__name__)

# Markdown with what an answer usually holds: emphasis, code, a list, a link.
_SAMPLE_MARKDOWN = "**Warm** `up`\n\n- one\n- [two](https://example.com)\n\n```python\nx = 1\n```"


def _fragment_templates() -> list[str]:
    names = []
    for directory in settings.TEMPLATES[0]["DIRS"]:
        folder = Path(directory) / fragments.FRAGMENTS
        names += [fragments.FRAGMENTS + p.name for p in sorted(folder.glob("*.html"))]
    return names


def warm_up() -> float:
    """Loads what the first pushed message needs; returns the seconds it took.

    Touches no database: the samples are unsaved rows."""
    started = time.perf_counter()
    for name in _fragment_templates():
        try:
            get_template(name)
        except TemplateDoesNotExist:  # pragma: no cover - listed from the same folder
            continue
    now = timezone.now()
    thread_id = uuid.uuid4()
    samples = ((Message.Author.USER, "Hello"), (Message.Author.ASSISTANT, _SAMPLE_MARKDOWN))
    for kind, content in samples:
        sample = Message(
            id=uuid.uuid4(),
            thread_id=thread_id,
            author_kind=kind,
            author_name="",
            content=content,
            metadata={},
            order=0,
            created_at=now,
            updated_at=now,
        )
        fragments.message_appended(sample)
        fragments.message(sample, oob=True)
    fragments.step_appended(Step(id=uuid.uuid4(), thread_id=thread_id, name="", type="run"))
    fragments.tokens("warm-up", "token")
    fragments.run_state(True)
    seconds = time.perf_counter() - started
    logger.debug("Fragments warmed up in %.0f ms", seconds * 1000)
    return seconds

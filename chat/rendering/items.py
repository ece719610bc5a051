"""A message's or a step's partial, drawn from its shape when it has one (see shapes.py):
what the live pushes, the snapshot and the page's items use."""

from __future__ import annotations

from django.template.loader import render_to_string

from chat.rendering import shapes
from chat.rendering.public_folder import avatar_url

FRAGMENTS = "chat/fragments/"

# What changes from one message (or step) to the next of the same shape, taken out of its
# context so that its fragment is drawn from an earlier render (see shapes.py).
MESSAGE_TEXTS = (
    ("item", "html"),
    ("item", "message", "content"),
    ("item", "stream_html"),
    ("item", "stream_tail"),
)
STEP_TEXTS = (
    ("item", "input_html"),
    ("item", "output_html"),
    ("item", "step", "input"),
    ("item", "step", "output"),
    ("item", "duration"),
)
# Fields no fragment shows: a position in the thread, the page's id for a message it sent.
UNSHOWN_FIELDS = ("order", "client_id")
# A person's own message says "You", never their name: taken out, every person's messages
# share one shape instead of each person's first message rendering it twice (see shapes.py,
# which still checks that the template does not show it).
UNSHOWN_USER_FIELDS = (*UNSHOWN_FIELDS, "author_name")


def _has_elements(context: dict) -> bool:
    return bool(context["elements"]["inline"] or context["elements"]["refs"])


def render_message(context: dict, *, oob: bool = False) -> str:
    """message.html for one message's context."""
    message = context["message"]
    full = {"item": context, "oob": oob}
    if _has_elements(context):
        # Each element has its own id: no two messages with elements share a shape.
        return render_to_string(FRAGMENTS + "message.html", full)
    return shapes.render(
        FRAGMENTS + "message.html",
        full,
        ids=(message.pk, message.thread_id),
        texts=MESSAGE_TEXTS,
        opaque=UNSHOWN_USER_FIELDS if context["is_user"] else UNSHOWN_FIELDS,
        # The author's picture, if the app's public folder has one (the template asks).
        extra_key="" if context["is_user"] else avatar_url(message.author_name or ""),
    )


def render_step(template_name: str, context: dict, *, oob: bool = False) -> str:
    """A step's partial (step.html, step_parts.html) for one step's context."""
    step = context["step"]
    full = {"item": context, "oob": oob}
    if context["children"] or _has_elements(context):
        return render_to_string(template_name, full)
    return shapes.render(
        template_name,
        full,
        ids=(step.pk, step.thread_id, step.parent_id, step.message_id),
        texts=STEP_TEXTS,
        opaque=UNSHOWN_FIELDS,
    )

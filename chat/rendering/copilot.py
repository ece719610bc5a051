"""What the copilot page hands to its host page: a window message, or a function call.

Each is a small out-of-band fragment appended to the page's outbox; the page's script
posts it to the host page and removes it.
"""

from __future__ import annotations

import json
from typing import Any

from django.template.loader import render_to_string

OUTBOX_ID = "copilot-outbox"


def _outbox(kind: str, payload: dict[str, Any]) -> str:
    return render_to_string(
        "chat/fragments/copilot_outbox.html",
        {"kind": kind, "payload": json.dumps(payload), "outbox_id": OUTBOX_ID, "oob": True},
    )


def window_message(data: Any) -> str:
    return _outbox("window", {"data": data})


def function_call(call_id: str, name: str, args: dict[str, Any]) -> str:
    return _outbox("call", {"call": call_id, "name": name, "args": args})

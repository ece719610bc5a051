"""What an `llm` step's generation shows: model, token counts, timings, settings, tools."""

from __future__ import annotations

import json
from typing import Any


def _ms(value: Any) -> str:
    if not isinstance(value, int | float):
        return ""
    return f"{value:.0f} ms" if value < 1000 else f"{value / 1000:.1f} s"


def generation_context(metadata: dict[str, Any]) -> dict[str, Any] | None:
    """The step's generation (from `step.generation`) ready to show, or None if it has none."""
    generation = metadata.get("generation")
    if not isinstance(generation, dict):
        return None
    input_tokens = generation.get("input_tokens")
    output_tokens = generation.get("output_tokens")
    total = generation.get("total_tokens") or (
        (input_tokens or 0) + (output_tokens or 0) if input_tokens or output_tokens else None
    )
    settings = generation.get("settings") or {}
    tools = generation.get("tools") or []
    return {
        "model": generation.get("model") or "",
        "provider": generation.get("provider") or "",
        "input_tokens": input_tokens if input_tokens is not None else "?",
        "output_tokens": output_tokens if output_tokens is not None else "?",
        "total_tokens": total,
        "first_token": _ms(generation.get("tt_first_token_ms")),
        "settings": json.dumps(settings, ensure_ascii=False, sort_keys=True) if settings else "",
        "tools": ", ".join(str(t) for t in tools),
        "error": generation.get("error") or "",
    }

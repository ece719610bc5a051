"""Chat settings: the widgets an assistant declares, and the values users send for them.

The widgets are kept with the thread (so a reload draws the same panel and any instance
can check a value); the values live in the session's "chat_settings", saved with it.
Every value the browser sends is checked against its widget before a hook sees it.
"""

from __future__ import annotations

import contextlib
import math
from datetime import date
from typing import Any
from uuid import UUID

from django.utils.translation import gettext as _

from chat.errors import UserFacingError
from chat.models import Thread

INPUTS_KEY = "chat_settings_inputs"
KINDS = {
    "switch",
    "checkbox",
    "slider",
    "select",
    "radio",
    "textinput",
    "numberinput",
    "tags",
    "multiselect",
    "datepicker",
}
MAX_WIDGETS = 50
MAX_TEXT = 4000
MAX_TAGS = 50
MAX_TAG = 100
TRUE = {"on", "true", "1", "yes"}
FALSE = {"", "off", "false", "0", "no"}


class SettingsRefused(UserFacingError):
    """A value that does not fit its widget: shown to the user, never given to a hook."""


def check_inputs(inputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The widgets as the assistant declared them; a mistake there is the developer's."""
    if len(inputs) > MAX_WIDGETS:
        raise ValueError(f"At most {MAX_WIDGETS} chat settings")
    seen: set[str] = set()
    for widget in inputs:
        if widget.get("type") not in KINDS:
            raise ValueError(f"Unknown chat setting type {widget.get('type')!r}")
        if not isinstance(widget.get("id"), str) or widget["id"] in seen:
            raise ValueError(f"Chat setting ids must be unique text: {widget.get('id')!r}")
        seen.add(widget["id"])
        tab = widget.get("tab")
        if tab is not None and not (
            isinstance(tab, dict) and isinstance(tab.get("id"), str) and tab.get("label")
        ):
            raise ValueError(f"A settings tab needs an id and a label: {tab!r}")
    return inputs


def _choices(widget: dict[str, Any]) -> list[str]:
    return [str(item["value"]) for item in widget.get("items", [])]


def _number(value: Any, label: str) -> float:
    if isinstance(value, bool):
        raise SettingsRefused(_("%(label)s must be a number.") % {"label": label})
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise SettingsRefused(_("%(label)s must be a number.") % {"label": label}) from None
    if not isinstance(value, int | float) or not math.isfinite(value):
        raise SettingsRefused(_("%(label)s must be a number.") % {"label": label})
    return float(value)


def _plain(number: float, *examples: Any) -> int | float:
    """Whole numbers stay whole when the widget speaks in whole numbers."""
    whole = all(isinstance(e, int) and not isinstance(e, bool) for e in examples if e is not None)
    number = float(number)
    return int(number) if whole and number.is_integer() else number


def _text_list(value: Any, label: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SettingsRefused(_("%(label)s must be a list of texts.") % {"label": label})
    items: list[str] = []
    for item in (v.strip() for v in value):
        if item and item not in items:
            items.append(item)
    return items


def _date(widget: dict[str, Any], value: Any, label: str) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        day = date.fromisoformat(value.strip()) if isinstance(value, str) else None
    except ValueError:
        day = None
    if day is None:
        raise SettingsRefused(_("%(label)s must be a date.") % {"label": label})
    low, high = widget.get("min_date"), widget.get("max_date")
    if (low and day.isoformat() < low) or (high and day.isoformat() > high):
        raise SettingsRefused(
            _("%(label)s must be between %(min)s and %(max)s.")
            % {"label": label, "min": low or "…", "max": high or "…"}
        )
    return day.isoformat()


def _dates(widget: dict[str, Any], value: Any, label: str) -> Any:
    """A date as ISO text; for a range, a list of two (or None when both are empty)."""
    if widget.get("mode") != "range":
        return _date(widget, value, label)
    if value is None or value == "" or value == []:
        return None
    if not isinstance(value, list) or len(value) != 2:
        raise SettingsRefused(_("%(label)s needs a first and a last date.") % {"label": label})
    start, end = (_date(widget, v, label) for v in value)
    if start is None and end is None:
        return None
    if start is None or end is None:
        raise SettingsRefused(_("%(label)s needs a first and a last date.") % {"label": label})
    if start > end:
        raise SettingsRefused(
            _("%(label)s must end on or after the day it starts.") % {"label": label}
        )
    return [start, end]


def clean(widget: dict[str, Any], value: Any) -> Any:
    """The value in the widget's own type, or SettingsRefused saying what is wrong."""
    kind, label = widget["type"], widget.get("label") or widget["id"]
    if kind in ("switch", "checkbox"):
        if isinstance(value, bool):
            return value
        if value is None or (isinstance(value, str) and value.strip().lower() in FALSE):
            return False
        if isinstance(value, str) and value.strip().lower() in TRUE:
            return True
        raise SettingsRefused(_("%(label)s must be on or off.") % {"label": label})
    if kind == "slider":
        number = _number(value, label)
        low, high, step = widget["min"], widget["max"], widget["step"]
        if not low <= number <= high:
            raise SettingsRefused(
                _("%(label)s must be between %(min)s and %(max)s.")
                % {"label": label, "min": low, "max": high}
            )
        steps = (number - low) / step
        if abs(steps - round(steps)) > 1e-6:
            raise SettingsRefused(
                _("%(label)s must go in steps of %(step)s.") % {"label": label, "step": step}
            )
        # On the step exactly, without the binary fraction's noise (0.30000000000000004).
        number = round(low + round(steps) * step, 10)
        return _plain(number, low, high, step)
    if kind in ("select", "radio"):
        if not isinstance(value, str) or value not in _choices(widget):
            raise SettingsRefused(
                _("“%(value)s” is not one of the choices for %(label)s.")
                % {"value": str(value)[:100], "label": label}
            )
        return value
    if kind == "textinput":
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise SettingsRefused(_("%(label)s must be text.") % {"label": label})
        if len(value) > MAX_TEXT:
            raise SettingsRefused(
                _("%(label)s is too long (at most %(count)s characters).")
                % {"label": label, "count": MAX_TEXT}
            )
        return value
    if kind == "numberinput":
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return _plain(_number(value, label), 1 if isinstance(value, str) else value)
    if kind == "tags":
        tags = _text_list(value, label)
        if len(tags) > MAX_TAGS or any(len(t) > MAX_TAG for t in tags):
            raise SettingsRefused(
                _("%(label)s takes at most %(count)s tags of %(size)s characters.")
                % {"label": label, "count": MAX_TAGS, "size": MAX_TAG}
            )
        return tags
    if kind == "datepicker":
        return _dates(widget, value, label)
    # multiselect
    chosen = _text_list(value, label)
    allowed = _choices(widget)
    wrong = [c for c in chosen if c not in allowed]
    if wrong:
        raise SettingsRefused(
            _("“%(value)s” is not one of the choices for %(label)s.")
            % {"value": wrong[0][:100], "label": label}
        )
    return chosen


# Widgets whose value a form leaves out when it is empty (no box checked).
ABSENT_MEANS_EMPTY = {"switch": False, "checkbox": False, "multiselect": []}


def current_values(inputs: list[dict[str, Any]], saved: dict[str, Any]) -> dict[str, Any]:
    """Each widget's saved value when it still fits the widget, else its initial value."""
    values: dict[str, Any] = {}
    for widget in inputs:
        values[widget["id"]] = widget.get("initial")
        if widget["id"] in saved:
            # A saved value the widget no longer takes falls back to the initial one.
            with contextlib.suppress(SettingsRefused):
                values[widget["id"]] = clean(widget, saved[widget["id"]])
    return values


def apply(
    inputs: list[dict[str, Any]], current: dict[str, Any], submitted: dict[str, Any]
) -> dict[str, Any]:
    """The full settings after the user's change; nothing of it if any value is wrong."""
    if not inputs:
        raise SettingsRefused(_("This chat has no settings."))
    widgets = {w["id"]: w for w in inputs}
    unknown = [key for key in submitted if key not in widgets]
    if unknown:
        raise SettingsRefused(
            _("There is no setting named “%(name)s”.") % {"name": unknown[0][:100]}
        )
    values = current_values(inputs, current)
    for key, widget in widgets.items():
        if key in submitted:
            value = clean(widget, submitted[key])
        elif widget["type"] in ABSENT_MEANS_EMPTY and not widget.get("disabled"):
            # A form leaves disabled fields out: they keep their value.
            value = ABSENT_MEANS_EMPTY[widget["type"]]
        else:
            continue
        if widget.get("disabled") and value != values[key]:
            raise SettingsRefused(
                _("%(label)s cannot be changed.") % {"label": widget.get("label") or key}
            )
        values[key] = value
    return values


async def save_inputs(thread_id: UUID, inputs: list[dict[str, Any]]) -> None:
    thread = await Thread.objects.aget(pk=thread_id)
    thread.metadata[INPUTS_KEY] = inputs
    await thread.asave(update_fields=["metadata"])


def inputs_of(thread: Thread) -> list[dict[str, Any]]:
    return list(thread.metadata.get(INPUTS_KEY, []))

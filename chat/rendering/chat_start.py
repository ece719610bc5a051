"""What a chat shows around the conversation: its profile, the starters, the settings
panel and the composer's commands. Each is one partial with a stable id, used by the page
and pushed as an out-of-band swap when the assistant changes it."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from chat.rendering import icons
from chat.rendering.markdown import render_markdown

FRAGMENTS = "chat/fragments/"


def icon_kind(icon: str) -> str:
    """How an icon can be shown: a picture (a URL or path), a short glyph, one of the icon
    set's names (Chainlit's lucide names, chat.rendering.icons), or not at all."""
    if not icon:
        return ""
    if icon.startswith(("/", "http://", "https://")):
        return "image"
    if len(icon) <= 4 and not icon.isascii():
        return "glyph"
    if icons.symbol(icon):
        return "named"
    return ""


def _profile_context(profile: Any) -> dict[str, Any]:
    return {
        "name": profile.name,
        "shown_name": profile.shown_name,
        "icon": profile.icon,
        "icon_kind": icon_kind(profile.icon),
        "description_html": render_markdown(profile.description) if profile.description else "",
    }


def _starter_context(starter: Any) -> dict[str, Any]:
    return {
        "label": starter.label,
        "message": starter.message,
        "command": starter.command,
        "icon": starter.icon,
        "icon_kind": icon_kind(starter.icon),
    }


def start_context(options: Any | None, *, show: bool) -> dict[str, Any]:
    """`options` are the engine's StartOptions; `show` is false once the user has written."""
    if options is None or not show:
        return {
            "start_profiles": [],
            "start_starters": [],
            "start_categories": [],
            "current_profile": "",
        }
    return {
        "start_profiles": [_profile_context(p) for p in options.profiles]
        if len(options.profiles) > 1
        else [],
        "start_starters": [_starter_context(s) for s in options.starters],
        "start_categories": [
            {
                "label": c.label,
                "icon": c.icon,
                "icon_kind": icon_kind(c.icon),
                "starters": [_starter_context(s) for s in c.starters],
            }
            for c in options.categories
        ],
        "current_profile": options.current.name if options.current else "",
    }


def chat_start(options: Any | None, *, show: bool, oob: bool = True) -> str:
    return render_to_string(
        FRAGMENTS + "chat_start.html", {**start_context(options, show=show), "oob": oob}
    )


_hidden_starts: dict[str | None, str] = {}


def hidden_start() -> str:
    """chat_start(None, show=False): the same for everyone who reads the page's language,
    drawn once per language (every conversation's first message sends it)."""
    language = translation.get_language()
    html = _hidden_starts.get(language)
    if html is None:
        html = _hidden_starts[language] = chat_start(None, show=False)
    return html


def profile_badge_context(name: str, profile: Any | None) -> dict[str, Any]:
    """The thread's profile as its header shows it, even one the assistant no longer offers."""
    if profile is not None:
        return {"badge": _profile_context(profile)}
    return {"badge": {"name": name, "shown_name": name, "icon_kind": ""} if name else None}


def profile_badge(name: str, profile: Any | None, *, oob: bool = True) -> str:
    return render_to_string(
        FRAGMENTS + "thread_profile.html", {**profile_badge_context(name, profile), "oob": oob}
    )


# -- chat settings ---------------------------------------------------------------------
def _widget_context(index: int, widget: dict[str, Any], value: Any) -> dict[str, Any]:
    kind = widget["type"]
    context = {
        **widget,
        "dom_id": f"setting-{index}",
        "name": f"setting:{widget['id']}",
        "value": value,
        "help_id": f"setting-{index}-help" if widget.get("description") else "",
    }
    if kind in ("select", "radio", "multiselect"):
        chosen = value if isinstance(value, list) else [value]
        context["choices"] = [
            {**item, "chosen": item["value"] in chosen, "dom_id": f"setting-{index}-{n}"}
            for n, item in enumerate(widget.get("items", []))
        ]
    elif kind == "tags":
        context["text"] = ", ".join(value or [])
    elif kind == "numberinput":
        context["text"] = "" if value is None else value
    elif kind == "datepicker" and widget.get("mode") == "range":
        context["start"], context["end"] = value if isinstance(value, list) else (None, None)
    return context


def _tabs(widgets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Widgets grouped in their tabs, in order; those outside any tab come first, under
    "General". No tabs when no widget names one."""
    if not any(w.get("tab") for w in widgets):
        return []
    tabs: dict[str, dict[str, Any]] = {}
    for widget in widgets:
        tab = widget.get("tab") or {"id": "", "label": _("General")}
        tabs.setdefault(tab["id"], {**tab, "widgets": []})["widgets"].append(widget)
    general = tabs.pop("", None)
    return ([general] if general else []) + list(tabs.values())


def settings_context(
    inputs: list[dict[str, Any]], values: dict[str, Any], *, open_first: bool = False
) -> dict[str, Any]:
    """`open_first`: the panel at the side opens by itself once it has settings (Chainlit's
    default_chat_settings_open; chat.threads.switches.settings_open)."""
    widgets = [
        _widget_context(n, w, values.get(w["id"], w.get("initial"))) for n, w in enumerate(inputs)
    ]
    return {
        "settings_widgets": widgets,
        "settings_tabs": _tabs(widgets),
        "settings_open_first": open_first,
    }


def settings_panel(
    inputs: list[dict[str, Any]], values: dict[str, Any], *, open_first: bool = False
) -> str:
    """The panel and its header button, both swapped out of band."""
    context = {**settings_context(inputs, values, open_first=open_first), "oob": True}
    return render_to_string(FRAGMENTS + "settings_button.html", context) + render_to_string(
        FRAGMENTS + "settings_panel.html", context
    )


# -- commands --------------------------------------------------------------------------
def commands_context(commands: list[dict[str, Any]]) -> dict[str, Any]:
    return {"commands": [{**c, "icon_kind": icon_kind(c["icon"])} for c in commands]}


def commands(commands: list[dict[str, Any]]) -> str:
    return render_to_string(
        FRAGMENTS + "commands.html", {**commands_context(commands), "oob": True}
    )


# -- modes -----------------------------------------------------------------------------
def modes_context(modes: list[dict[str, Any]], choices: dict[str, str]) -> dict[str, Any]:
    return {
        "modes": [
            {
                **mode,
                "options": [
                    {
                        **option,
                        "icon_kind": icon_kind(option["icon"]),
                        "chosen": choices.get(mode["id"]) == option["id"],
                    }
                    for option in mode["options"]
                ],
            }
            for mode in modes
        ]
    }


def modes(modes: list[dict[str, Any]], choices: dict[str, str]) -> str:
    return render_to_string(
        FRAGMENTS + "modes.html", {**modes_context(modes, choices), "oob": True}
    )

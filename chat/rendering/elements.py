"""Elements as HTML: one partial per kind, used under messages and steps, in the side
panel, on an element's own page, and in the pushes that add or update them.
"""

from __future__ import annotations

import asyncio
import csv
import functools
import io
import json
import logging
import re
from itertools import islice
from pathlib import Path
from typing import Any

from django.contrib.staticfiles import finders
from django.template import TemplateDoesNotExist, engines
from django.template.backends.django import Template
from django.template.loader import get_template, render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.safestring import mark_safe

from chat.models import Element, Message, Step
from chat.rendering import public_folder
from chat.rendering.markdown import render_code, render_markdown

logger = logging.getLogger(__name__)

ELEMENTS = "chat/fragments/elements/"
KINDS = (
    "text", "image", "file", "pdf", "audio", "video", "plotly", "dataframe", "tasklist", "custom",
)  # fmt: skip
SIZES = ("small", "medium", "large")
# Rows of a table shown under a message (and kept with the element, so that showing
# them needs no file read), and rows per page on the element's own page.
INLINE_ROWS = 10
PAGE_ROWS = 50
TASK_STATUSES = ("ready", "running", "done", "failed")
# As Django's json_script: JSON that cannot close the <script> element it sits in.
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}
_LANGUAGE = re.compile(r"[^\w+#.-]")
# A custom element's template is named by its component: no path can be made of it.
_CUSTOM_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")


# -- which elements an owner has ------------------------------------------------------------
def attached(owner: Message | Step) -> list[Element]:
    """The owner's elements: prefetched (`prefetch_related("elements")`) or queried.

    Async code cannot query here, so it must prefetch; a new row has none to show.
    """
    cache = getattr(owner, "_prefetched_objects_cache", {})
    if "elements" in cache:
        return list(cache["elements"])
    if owner._state.adding:
        return []
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return list(owner.elements.all())
    logger.debug("%s %s rendered from async code without its elements", type(owner), owner.pk)
    return []


def dom_id(element: Element, place: str = "inline") -> str:
    return f"el-{element.id}" if place == "inline" else f"el-{element.id}-{place}"


def page_url(element: Element) -> str:
    return reverse("chat:element", args=[element.id])


def file_url(element: Element) -> str:
    """Where the browser gets the content: our file view, or the element's own URL."""
    if element.file or (element.kind == "text" and not element.url):
        return reverse("chat:element_file", args=[element.id])
    return element.url


# -- one element ----------------------------------------------------------------------------
def element_context(element: Element, *, place: str = "inline", page: int = 1) -> dict:
    """What an element's partial needs. `place` is inline, panel or page."""
    kind = element.kind if element.kind in KINDS else "file"
    if kind == "pdf" and element.metadata.get("upload"):
        kind = "file"  # a user's upload is shown as a file card, not opened in a viewer
    size = element.metadata.get("size")
    src = file_url(element)
    context: dict[str, Any] = {
        "element": element,
        "kind": kind,
        "template": f"{ELEMENTS}{kind}.html",
        "dom_id": dom_id(element, place),
        "place": place,
        "size": size if size in SIZES else "medium",
        "src": src,
        "page_url": page_url(element),
        "download_url": f"{src}?download=1" if src and not element.url else src,
        "external": bool(element.url),
    }
    context.update(_KIND_CONTEXTS.get(kind, _no_more)(element, place, page))
    return context


def _no_more(element: Element, place: str, page: int) -> dict:
    return {}


def _text(element: Element, place: str, page: int) -> dict:
    language = _LANGUAGE.sub("", element.metadata.get("language") or "")[:32]
    return {
        "language": language,
        "html": render_code(element.content, language)
        if language
        else render_markdown(element.content),
    }


def _pdf(element: Element, place: str, page: int) -> dict:
    start = element.metadata.get("page")
    src = file_url(element)
    # Browsers' PDF viewers open at #page=N.
    return {"viewer_src": f"{src}#page={start}" if start else src, "start_page": start}


def _media(element: Element, place: str, page: int) -> dict:
    return {
        "auto_play": bool(element.metadata.get("auto_play")) and place == "inline",
        "mime": element.mime if element.mime.startswith(("audio/", "video/")) else "",
    }


def _plotly(element: Element, place: str, page: int) -> dict:
    return {"figure_json": mark_safe(element.content.translate(_JSON_SCRIPT_ESCAPES))}  # noqa: S308


def _dataframe(element: Element, place: str, page: int) -> dict:
    per_page = INLINE_ROWS if place != "page" else PAGE_ROWS
    return {"table": dataframe_page(element, page, per_page)}


def _tasklist(element: Element, place: str, page: int) -> dict:
    try:
        data = json.loads(element.content or "{}")
    except ValueError:
        data = {}
    tasks = []
    for task in data.get("tasks") or []:
        status = str(task.get("status", "ready")).lower()
        tasks.append(
            {
                "status": status if status in TASK_STATUSES else "ready",
                "title_html": render_markdown(str(task.get("title", ""))),
                "for_id": task.get("forId") or "",
            }
        )
    return {
        "status": str(data.get("status") or ""),
        "tasks": tasks,
        "done": sum(1 for t in tasks if t["status"] == "done"),
    }


@functools.lru_cache(maxsize=256)
def _static_script(component: str) -> str:
    path = f"elements/{component}.js"
    return static(path) if finders.find(path) else ""


@functools.lru_cache(maxsize=64)
def _public_template(path: str, modified: float) -> Template:
    return engines["django"].from_string(Path(path).read_text(encoding="utf-8"))


def _custom_template(component: str) -> Template | str | None:
    """The fork's `templates/elements/<Name>.html`, else the app's
    `public/elements/<Name>.html`; None when neither is there."""
    name = f"elements/{component}.html"
    try:
        get_template(name)
        return name
    except TemplateDoesNotExist:
        pass
    found = public_folder.element_template(component)
    if found is None:
        return None
    return _public_template(str(found), found.stat().st_mtime)


def _custom(element: Element, place: str, page: int) -> dict:
    """A fork's own element, drawn by its template with `props` in the context."""
    try:
        props = json.loads(element.content or "{}")
    except ValueError:
        props = {}
    props = props if isinstance(props, dict) else {}
    component = str(element.metadata.get("component") or element.name)
    template = _custom_template(component) if _CUSTOM_NAME.match(component) else None
    html = ""
    if template is None:
        logger.warning("No template for the custom element %s (%s)", component, element.pk)
    elif isinstance(template, str):
        html = render_to_string(template, {"props": props, "element_id": element.pk})
    else:
        html = template.render({"props": props, "element_id": element.pk})
    return {
        "props": props,
        "component": component,
        "custom_html": mark_safe(html),  # noqa: S308 (the fork's own template, autoescaped)
        "known": template is not None,
        "props_id": f"{dom_id(element, place)}-props",
        # Its script, loaded when such an element is shown: static/elements/<Name>.js, or
        # the app's public/elements/<Name>.js.
        "script_src": (_static_script(component) or public_folder.element_script(component))
        if template is not None
        else "",
    }


_KIND_CONTEXTS = {
    "text": _text,
    "pdf": _pdf,
    "audio": _media,
    "video": _media,
    "plotly": _plotly,
    "dataframe": _dataframe,
    "tasklist": _tasklist,
    "custom": _custom,
}


# -- tables: the first rows are kept with the element, the rest read from its CSV file ----------
def dataframe_page(element: Element, page: int, per_page: int) -> dict:
    meta = element.metadata
    total = int(meta.get("rows", 0))
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    start = (page - 1) * per_page
    head = meta.get("head") or []
    if start + per_page <= len(head) or (start < len(head) and len(head) >= total):
        rows = head[start : start + per_page]
    else:
        rows = _read_rows(element, start, per_page)
    numeric = meta.get("numeric") or []
    return {
        "columns": meta.get("columns") or [],
        # Each cell with whether its column holds numbers (aligned right, as in a sheet).
        "rows": [
            [(cell, i < len(numeric) and numeric[i]) for i, cell in enumerate(row)] for row in rows
        ],
        "total": total,
        "page": page,
        "pages": pages,
        "first": start + 1 if rows else 0,
        "last": start + len(rows),
        "previous": page - 1 if page > 1 else None,
        "next": page + 1 if page < pages else None,
        "per_page": per_page,
    }


def _read_rows(element: Element, start: int, count: int) -> list[list[str]]:
    if not element.file:
        return []
    with element.file.open("rb") as raw:
        reader = csv.reader(io.TextIOWrapper(raw, encoding="utf-8", newline=""))
        next(reader, None)  # the header
        return list(islice(reader, start, start + count))


# -- the elements of a message or a step -------------------------------------------------------
def owner_elements(owner: Message | Step, container_id: str, text: str = "") -> dict:
    """Inline elements to show, and the side and page ones to link to.

    A side or page element whose name the text mentions is linked from the text (as in
    Chainlit); the others get a link of their own under it.
    """
    inline, refs, links = [], [], {}
    for element in attached(owner):
        if element.kind == "tasklist" or element.display == Element.Display.INLINE:
            inline.append(element_context(element))
            continue
        href = page_url(element)
        if element.display == Element.Display.SIDE:
            href += "?display=side"
        if element.name and _mentions(text, element.name):
            links[element.name] = href
        else:
            refs.append({"element": element, "href": href, "display": element.display})
    return {"dom_id": container_id, "inline": inline, "refs": refs, "links": links}


def _mentions(text: str, name: str) -> bool:
    """As the markdown renderer links names: whole words only."""
    return bool(re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text))


def message_elements(message: Message) -> dict:
    # A user's text is shown as typed, so names in it are not links.
    text = "" if message.author_kind == Message.Author.USER else message.content
    return owner_elements(message, f"m-{message.id}-elements", text)


def step_elements(step: Step) -> dict:
    # An output shown as code is not markdown, so names in it are not links.
    return owner_elements(step, f"s-{step.id}-elements", "" if step.language else step.output)


def container(elements: dict, *, oob: bool = False) -> str:
    return render_to_string(ELEMENTS + "list.html", {"elements": elements, "oob": oob})


def element(element: Element, *, place: str = "inline", page: int = 1, oob: bool = False) -> str:
    """One element, e.g. to re-render it in place after it changed."""
    return render_to_string(
        ELEMENTS + "element.html",
        {"el": element_context(element, place=place, page=page), "oob": oob},
    )


def removed(element_id: Any) -> str:
    return render_to_string(ELEMENTS + "removed.html", {"element_id": element_id})


# -- task lists of the thread (sent without a message) ---------------------------------------------
def task_lists_context(elements: list[Element]) -> dict:
    return {"task_lists": [element_context(e) for e in elements]}


def task_lists(elements: list[Element], *, oob: bool = False) -> str:
    return render_to_string(
        "chat/fragments/task_lists.html", {**task_lists_context(elements), "oob": oob}
    )


# -- the side panel, filled from code (cl.ElementSidebar) ------------------------------------------
def sidebar(title: str, elements: list[Element]) -> str:
    """The whole side panel: open with a title and elements, or closed when it has neither."""
    return render_to_string(
        "chat/fragments/sidebar_panel.html",
        {
            "title": title,
            "open": bool(title or elements),
            "items": [element_context(e, place="sidebar") for e in elements],
        },
    )

"""Custom elements (`cl.CustomElement`): a template the fork provides, with props, and what
the page asks of one: new props (`updateElement`), to go (`deleteElement`), an action of
the app's (`callAction`), and the answer to a question (`submitElement`, for
`cl.AskElementMessage`).

The page's calls arrive over the thread's socket (only who may write in the thread has
one); each names an element, which must be a custom one of this thread.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import TYPE_CHECKING, Any

from asgiref.sync import sync_to_async
from django.utils.translation import gettext as _

from chat.engine import elements as shown
from chat.errors import UserFacingError
from chat.models import Element
from chat.rendering import elements as rendering

if TYPE_CHECKING:
    from chat.engine.emitter import Emitter

KIND = "custom"
# A component's name is a template's file name: letters, digits and underscores only.
COMPONENT = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
OPS = ("update", "delete", "action", "submit")


class ElementCallRefused(UserFacingError):
    pass


def check_component(name: str) -> str:
    if not isinstance(name, str) or not COMPONENT.match(name):
        raise ValueError(
            f"A custom element's name names its template (templates/elements/<name>.html): "
            f"letters, digits and underscores, starting with a letter; not {name!r}"
        )
    return name


def _custom(thread_id: Any, element_id: str) -> Element:
    try:
        pk = uuid.UUID(str(element_id))
    except ValueError:
        pk = None
    element = Element.objects.filter(pk=pk, thread_id=thread_id, kind=KIND).first() if pk else None
    if element is None:
        raise ElementCallRefused(_("This element is no longer available."))
    return element


def _set_props(thread_id: Any, element_id: str, props: dict[str, Any]) -> str:
    element = _custom(thread_id, element_id)
    element.content = json.dumps(props, ensure_ascii=False)
    element.size = len(element.content.encode("utf-8"))
    element.save(update_fields=["content", "size"])
    return rendering.element(element, oob=True)


async def update(emitter: Emitter, element_id: str, props: Any) -> None:
    """New props from the page: stored, and the element drawn again in every tab."""
    if not isinstance(props, dict):
        raise ElementCallRefused(_("An element's props must be an object."))
    html = await sync_to_async(_set_props)(emitter.thread_id, element_id, props)
    await emitter.push(html)


async def delete(emitter: Emitter, element_id: str) -> None:
    await sync_to_async(_custom)(emitter.thread_id, element_id)
    await shown.remove(emitter, element_id)


async def action_for(thread_id: Any, element_id: str, data: Any) -> dict[str, Any]:
    """The action an element's `callAction({name, payload})` stands for, as a stored
    button's would be (`forId` its message)."""
    element = await sync_to_async(_custom)(thread_id, element_id)
    name = data.get("name") if isinstance(data, dict) else None
    payload = data.get("payload", {}) if isinstance(data, dict) else None
    if not isinstance(name, str) or not name or not isinstance(payload, dict):
        raise ElementCallRefused(_("An action needs a name and a payload object."))
    return {
        "id": str(uuid.uuid4()),
        "name": name,
        "payload": payload,
        "label": name,
        "forId": str(element.message_id or element.step_id or ""),
    }


async def props_of(thread_id: Any, element_id: str) -> dict[str, Any]:
    element = await sync_to_async(_custom)(thread_id, element_id)
    try:
        props = json.loads(element.content or "{}")
    except ValueError:
        props = {}
    return props if isinstance(props, dict) else {}

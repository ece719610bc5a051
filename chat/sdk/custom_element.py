"""`cl.CustomElement`: an element the fork draws itself, as in Chainlit.

Chainlit draws `public/elements/<Name>.jsx` with React; here the fork provides
`templates/elements/<Name>.html`, rendered with `props` (and `element_id`) in its context,
and, if it needs behaviour, `static/elements/<Name>.js`, loaded when such an element is
shown. The page's own bundle gives both Chainlit's client calls: in the template as
attributes (`data-call-action`, `data-update-props`, `data-delete-element`,
`data-send-message`, `data-submit-element`), and in the script as an API
(`ChatElements.define(name, (root, api) => ...)` with `api.props`,
`api.updateElement(props)`, `api.deleteElement()`, `api.callAction({name, payload})`,
`api.sendUserMessage(text)`, `api.submitElement(props)`). No inline script: the page's
Content-Security-Policy stays strict.

Example:
    counter = cl.CustomElement(name="Counter", props={"count": 0})
    await cl.Message(content="A counter:", elements=[counter]).send()
    counter.props["count"] += 1
    await counter.update()
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, ClassVar

from chat.engine import custom_elements
from chat.sdk.elements import Element, ElementType


@dataclass(kw_only=True)
class CustomElement(Element):
    """An element drawn by `templates/elements/<name>.html` with `props`."""

    type: ClassVar[ElementType] = "custom"
    updatable: ClassVar[bool] = True
    props: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        custom_elements.check_component(self.name)
        super().__post_init__()

    def _computed(self) -> bool:
        return True

    def _metadata(self) -> dict[str, Any]:
        return {**super()._metadata(), "component": self.name}

    def _prepare(self) -> None:
        self.content = json.dumps(self.props, ensure_ascii=False, default=str)
        self.mime = "application/json"

    def _source(self) -> Any:
        self._prepare()
        return super()._source()

    async def update(self) -> CustomElement:
        """Draws the element again with its current props, in every open tab."""
        await self.send(for_id=self.for_id)
        return self

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "props": self.props}

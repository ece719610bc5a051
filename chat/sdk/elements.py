"""Elements, as in Chainlit: `cl.Text`, `cl.Image`, `cl.File`, `cl.Pdf`, `cl.Audio`,
`cl.Video`, `cl.Plotly`, `cl.Dataframe` and `cl.TaskList`.

Each comes from a `path` (read once, when the element is first sent), `content` (bytes
or text) or a `url` (handed to the browser, never fetched by the server), and is shown
`inline` under its message or step, in a `side` panel opened from its name in the text,
or on a `page` of its own. Attach elements with `cl.Message(elements=[...])`, or send one
later with `await element.send(for_id=message.id)`.

Charts and tables are in data_elements.py, task lists in task_list.py.

Example:
    await cl.Message(
        content="Here is the cat image!",
        elements=[cl.Image(name="cat image", path="./cat.jpeg", display="side")],
    ).send()
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar, Literal

from chat.engine import elements as engine
from chat.engine.context import require_session
from chat.storage import local_copies

ElementType = Literal[
    "text", "image", "file", "pdf", "audio", "video", "plotly", "dataframe", "tasklist", "custom"
]
ElementDisplay = Literal["inline", "side", "page"]
ElementSize = Literal["small", "medium", "large"]
DISPLAYS = ("inline", "side", "page")


@dataclass(kw_only=True)
class Element:
    """Content attached to a message or a step. Use a subclass (`cl.Image`, ...)."""

    type: ClassVar[ElementType] = "file"
    name: str = ""
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    url: str | None = None
    path: str | None = None
    content: bytes | str | None = None
    display: ElementDisplay = "inline"
    size: ElementSize | None = None
    for_id: str | None = None
    language: str | None = None
    mime: str | None = None
    thread_id: str | None = None

    # A re-send of an updatable element shows its new content (task lists).
    updatable: ClassVar[bool] = False

    def __post_init__(self) -> None:
        if self.display not in DISPLAYS:
            raise ValueError(f"display must be one of {', '.join(DISPLAYS)}, not {self.display!r}")
        if self.url:
            engine.check_url(self.url)
        if not self.url and not self.path and self.content is None and not self._computed():
            raise ValueError("Must provide url, path or content to instantiate element")
        if not self.name:
            self.name = Path(self.path).name if self.path else self.type
        self._sent_for: str | None = None
        self._stored_name = ""  # set for a user's upload: the file already in storage

    def _computed(self) -> bool:
        """Whether the subclass makes the content itself (a chart, a table, a task list)."""
        return False

    def _metadata(self) -> dict[str, Any]:
        return {
            key: value
            for key, value in {"size": self.size, "language": self.language}.items()
            if value is not None
        }

    def _source(self) -> engine.ElementSource:
        return engine.ElementSource(
            id=self.id,
            kind=self.type,
            name=self.name,
            display=self.display,
            for_id=self.for_id,
            url=self.url or "",
            path=None if self.url else self.path,
            content=None if self.url or self.path else self.content,
            stored_name=self._stored_name,
            mime=self.mime or "",
            metadata=self._metadata(),
            updatable=self.updatable,
        )

    def _outgoing(self, for_id: str | None) -> engine.ElementSource | None:
        """What to send for this owner, if anything (as Chainlit: a sent element is sent
        once, unless it is updatable; a user's upload shown elsewhere is a copy)."""
        if self._stored_name:
            if for_id == self._sent_for:
                return None
            copy = replace(self, id=str(uuid.uuid4()), for_id=for_id)
            copy._stored_name = self._stored_name
            return copy._source()
        if self._sent_for is not None and not self.updatable:
            return None
        self.for_id = for_id
        return self._source()

    # -- the API -----------------------------------------------------------------------
    async def send(self, for_id: str | None = None, persist: bool = True) -> Element:
        """Shows the element under the message or step `for_id` (stored once, then shown)."""
        for_id = str(for_id) if for_id else self.for_id
        if not for_id and self.type != "tasklist":
            raise ValueError(f"{type(self).__name__}.send() needs for_id: a message or step id")
        source = self._outgoing(for_id)
        if source is not None:
            await engine.send(require_session().emitter, source)
            if not self._stored_name:
                self._sent_for = for_id or ""
        return self

    async def remove(self) -> bool:
        """Takes the element off the page and out of the database."""
        await engine.remove(require_session().emitter, self.id)
        self._sent_for = None
        return True

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "name": self.name,
            "display": self.display,
            "url": self.url,
            "mime": self.mime,
            "forId": self.for_id,
            "size": self.size,
            "language": self.language,
        }


async def send_elements(elements: list[Element], for_id: str) -> None:
    """Sends the elements of a message or step that it has not shown yet, in one push."""
    sources = [(e, e._outgoing(for_id)) for e in elements]
    sources = [(e, source) for e, source in sources if source is not None]
    if not sources:
        return
    await engine.send_many(require_session().emitter, [source for _, source in sources])
    for element, _ in sources:
        if not element._stored_name:
            element._sent_for = for_id


@dataclass(kw_only=True)
class Text(Element):
    """Text shown as markdown, or as code when it has a `language`."""

    type: ClassVar[ElementType] = "text"


@dataclass(kw_only=True)
class Image(Element):
    type: ClassVar[ElementType] = "image"
    size: ElementSize = "medium"


@dataclass(kw_only=True)
class File(Element):
    """A file the user downloads."""

    type: ClassVar[ElementType] = "file"


@dataclass(kw_only=True)
class Pdf(Element):
    """A PDF in the browser's viewer, opened at `page` (1 is the first)."""

    type: ClassVar[ElementType] = "pdf"
    mime: str | None = "application/pdf"
    page: int | None = None

    def _metadata(self) -> dict[str, Any]:
        extra = {"page": int(self.page)} if self.page else {}
        return {**super()._metadata(), **extra}


@dataclass(kw_only=True)
class Audio(Element):
    type: ClassVar[ElementType] = "audio"
    auto_play: bool = False

    def _metadata(self) -> dict[str, Any]:
        return {**super()._metadata(), "auto_play": self.auto_play}


@dataclass(kw_only=True)
class Video(Element):
    type: ClassVar[ElementType] = "video"
    size: ElementSize = "medium"
    player_config: dict[str, Any] | None = None
    auto_play: bool = False

    def _metadata(self) -> dict[str, Any]:
        return {**super()._metadata(), "auto_play": self.auto_play}


# What a stored element comes back as; a chart, table or task list comes back as its file.
KINDS: dict[str, type[Element]] = {cls.type: cls for cls in (Text, Image, File, Pdf, Audio, Video)}


def element_from_record(record: Any) -> Element:
    """A stored element (a user's upload, say) as the SDK's object, as Chainlit gives them."""
    cls = KINDS.get(record.kind, File)
    element = cls(
        id=str(record.id),
        name=record.name,
        display=record.display,
        url=record.url or None,
        # A file's path comes below, once there is an element to tie its copy to.
        content=None if record.url else (record.content or b""),
        mime=record.mime or None,
        for_id=str(record.message_id or record.step_id or "") or None,
    )
    if record.file:
        # A file in a bucket is copied here, for the hook about to run (chat.storage).
        element.path = local_copies.local_path(record.file.name, owner=element)
        element.content = None
    element._stored_name = record.file.name if record.file else ""
    element._sent_for = element.for_id
    return element

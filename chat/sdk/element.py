"""`chainlit.element` as `chat.sdk.element`: the element classes, under Chainlit's module
name, for apps that import them from there (`from chainlit.element import Element`)."""

from __future__ import annotations

from chat.sdk.custom_element import CustomElement
from chat.sdk.data_elements import Dataframe, Plotly, Pyplot
from chat.sdk.elements import (
    DISPLAYS,
    Audio,
    Element,
    ElementDisplay,
    ElementSize,
    ElementType,
    File,
    Image,
    Pdf,
    Text,
    Video,
)
from chat.sdk.task_list import Task, TaskList, TaskStatus
from chat.sdk.types import ElementDict

# Chainlit's name for "any element that came back from the browser" (uploads).
ElementBased = Element

__all__ = [
    "DISPLAYS",
    "Audio",
    "CustomElement",
    "Dataframe",
    "Element",
    "ElementBased",
    "ElementDict",
    "ElementDisplay",
    "ElementSize",
    "ElementType",
    "File",
    "Image",
    "Pdf",
    "Plotly",
    "Pyplot",
    "Task",
    "TaskList",
    "TaskStatus",
    "Text",
    "Video",
]

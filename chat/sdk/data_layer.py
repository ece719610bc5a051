"""Chainlit's pluggable data layer (`@cl.data_layer`, `chainlit.data`), which has no
counterpart here: the Django models are the store, by design.

Threads, messages, steps, elements, feedback and users are saved by the engine in the
project's database (SQLite, or PostgreSQL with DATABASE_URL), reviewable in the Django
admin; files go through Django's storage (STORAGES). An app that brings its own data
layer stops at start with this explanation, rather than an AttributeError.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured

EXPLANATION = (
    "{what} is Chainlit's pluggable data layer, which this project does not have: "
    "conversations, steps, elements, feedback and users are stored in its own Django "
    "models, in the database DATABASE_URL names (SQLite without it), and reviewed in the "
    "Django admin. Remove the data layer from the app; to keep the data elsewhere, point "
    "DATABASE_URL at that PostgreSQL database, and STORAGES at the file store."
)


class DataLayerNotSupported(ImproperlyConfigured):
    """An app asked for a data layer of its own."""

    def __init__(self, what: str) -> None:
        super().__init__(EXPLANATION.format(what=what))


def data_layer(func: Any = None) -> Any:
    """Chainlit's `@cl.data_layer`: refused at start, saying what to do instead."""
    raise DataLayerNotSupported("@cl.data_layer")


class BaseDataLayer:
    """Chainlit's base class of data layers: subclassing is allowed (an import does not
    fail), making one is refused."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise DataLayerNotSupported(type(self).__name__)

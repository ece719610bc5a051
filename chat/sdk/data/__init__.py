"""`chainlit.data` as `chat.sdk.data`: Chainlit's data layers, refused with the reason.

`from chat.sdk.data.sql_alchemy import SQLAlchemyDataLayer` and the like fail at start
with what to do instead (see chat/sdk/data_layer.py).
"""

from __future__ import annotations

from typing import Any

from chat.sdk.data_layer import BaseDataLayer, DataLayerNotSupported


def get_data_layer() -> None:
    """No data layer of the app's own: the Django models are the store."""
    return None


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    raise DataLayerNotSupported(f"chainlit.data.{name}")


__all__ = ["BaseDataLayer", "DataLayerNotSupported", "get_data_layer"]

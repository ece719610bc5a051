"""`chainlit.sidebar` as `chat.sdk.sidebar`, for apps that import `ElementSidebar` from it."""

from chat.sdk.element_sidebar import ElementSidebar

__all__ = ["ElementSidebar"]

"""`chainlit.mode` as `chat.sdk.mode`, for apps that import `Mode` and `ModeOption` from it."""

from chat.sdk.modes import Mode, ModeOption

__all__ = ["Mode", "ModeOption"]

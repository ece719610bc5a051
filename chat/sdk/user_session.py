"""`cl.user_session`: values kept per chat session, of any Python type."""

from __future__ import annotations

from typing import Any

from chat.engine.context import require_session


class UserSession:
    def get(self, key: str, default: Any = None) -> Any:
        return require_session().user_session.get(key, default)

    def set(self, key: str, value: Any) -> None:
        require_session().user_session[key] = value

    def to_dict(self) -> dict[str, Any]:
        return dict(require_session().user_session)


user_session = UserSession()

"""An assistant that failed to load under `runchat --reload`: what went wrong, which files
to watch for the fix, and the page served until then."""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIHandler
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import translation

from chat.engine.assistant import AssistantLoadError


@dataclass(frozen=True)
class LoadFailure:
    target: str
    message: str
    details: str
    files: frozenset[Path] = field(default_factory=frozenset)

    @classmethod
    def of(cls, target: str, error: AssistantLoadError) -> LoadFailure:
        cause = error.__cause__ or error
        details = "".join(traceback.format_exception(cause))
        files = {Path(target)} if target.endswith(".py") else set()
        if isinstance(cause, SyntaxError) and cause.filename:
            files.add(Path(cause.filename))
        # Every file of the assistant's own code that the import went through: a fix in
        # any of them may be the one.
        for frame in traceback.extract_tb(cause.__traceback__):
            path = Path(frame.filename)
            if path.is_file() and "site-packages" not in path.parts:
                files.add(path)
        return cls(
            target=target,
            message=str(error),
            details=details,
            files=frozenset(path.resolve() for path in files if path.is_file()),
        )


def failure_page(request: HttpRequest, failure: LoadFailure) -> HttpResponse:
    """The page every address shows while the assistant cannot be loaded. The traceback
    only with DEBUG: it shows code and paths."""
    language = translation.get_language_from_request(request)
    with translation.override(language):
        response = TemplateResponse(
            request,
            "chat/assistant_failed.html",
            {"failure": failure, "debug": settings.DEBUG},
            status=500,
        )
        response.render()
    return response


class LoadFailureApp(ASGIHandler):
    """Serves the failure page on HTTP and refuses websockets, in place of the chat."""

    def __init__(self, failure: LoadFailure) -> None:
        super().__init__()
        self.failure = failure

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "websocket":
            await receive()  # websocket.connect
            await send({"type": "websocket.close"})
            return
        await super().__call__(scope, receive, send)

    async def get_response_async(self, request: HttpRequest) -> HttpResponse:
        return await sync_to_async(failure_page)(request, self.failure)

"""What can go wrong with a model, in words a user understands, whichever client failed."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

logger = logging.getLogger("chat.llm")


class LLMError(Exception):
    """A failed call: `kind` is auth, rate_limit, timeout, unreachable, disconnected,
    server or refused; `partial` tells whether part of the answer had arrived."""

    def __init__(
        self, kind: str, detail: str = "", *, status: int | None = None, timeout: float = 0
    ) -> None:
        super().__init__(detail or kind)
        self.kind = kind
        self.status = status
        self.timeout = timeout
        self.partial = False

    def user_message(self) -> str:
        texts = {
            "auth": _(
                "The language model refused the assistant's credentials (HTTP {status}). "
                "An administrator needs to check its API key."
            ),
            "rate_limit": _(
                "The language model is receiving too many requests (HTTP 429). "
                "Please wait a moment and ask again."
            ),
            "timeout": _("The language model did not answer within {timeout:g} seconds."),
            "unreachable": _("The language model could not be reached. Please try again later."),
            "disconnected": _(
                "The connection to the language model broke off before the answer was complete."
            ),
            "server": _("The language model failed to answer (HTTP {status}). Please try again."),
            "refused": _("The language model refused the request (HTTP {status})."),
        }
        text = texts.get(self.kind, texts["unreachable"]).format(
            status=self.status, timeout=self.timeout
        )
        if self.partial:
            text += " " + _("The part of the answer that arrived is kept above.")
        return text


def classify(error: BaseException, *, received: bool, timeout: float) -> LLMError:
    """Turns a client library's exception (openai, anthropic, mistralai, httpx) into an
    LLMError; `received` says whether any of the answer had arrived."""
    if isinstance(error, LLMError):
        return error
    response = getattr(error, "response", None)
    status = getattr(error, "status_code", None) or getattr(response, "status_code", None)
    detail = str(error)
    if isinstance(status, int):
        if status in (401, 403):
            return LLMError("auth", detail, status=status)
        if status == 429:
            return LLMError("rate_limit", detail, status=status)
        if status >= 500:
            return LLMError("server", detail, status=status)
        return LLMError("refused", detail, status=status)
    names = [cls.__name__ for cls in type(error).__mro__]
    if isinstance(error, TimeoutError) or any("Timeout" in name for name in names):
        return LLMError("timeout", detail, timeout=timeout)
    if received:
        return LLMError("disconnected", detail)
    return LLMError("unreachable", detail)


def endpoint_host(base_url: str, default: str) -> str:
    """The host (and port) a client calls, for the log: no scheme, path or credentials."""
    try:
        parts = urlsplit(base_url)
        port = parts.port
    except ValueError:
        return default
    if not parts.hostname:
        return default
    return f"{parts.hostname}:{port}" if port else parts.hostname


def failed(model: Any, error: BaseException, *, received: bool) -> LLMError:
    """The client's exception as an LLMError, logged for the operator: the provider, the
    endpoint's host, the model, the HTTP status and the error's class. Never the key or
    any of the conversation (the error's text may quote either)."""
    failure = classify(error, received=received, timeout=settings.CHAT_LLM_TIMEOUT)
    logger.warning(
        "Language model call failed: provider=%s host=%s model=%s status=%s error=%s kind=%s",
        model.provider,
        model.host,
        model.model,
        failure.status or "-",
        type(error).__name__,
        failure.kind,
    )
    return failure

"""What can go wrong with a model, in words a user understands, whichever client failed."""

from __future__ import annotations

from django.utils.translation import gettext as _


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

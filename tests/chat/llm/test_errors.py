"""A failing model is logged for the operator: who was called and how it failed, at WARNING,
with neither the key nor anything of the conversation. Real clients, the local fake server."""

from __future__ import annotations

import logging
import socket

import pytest

from chat import llm
from chat.llm.errors import endpoint_host
from tests.fake_llm import KEY

PROVIDERS = ["openai", "anthropic", "mistral"]
SECRET_WORDS = "the-merger-codename-is-bluebird"


@pytest.fixture
def model_settings(settings, fake_llm, request):
    provider = request.param
    settings.CHAT_LLM_PROVIDER = provider
    # The openai client's base URL ends in /v1; anthropic's and mistralai's add it themselves.
    settings.CHAT_LLM_BASE_URL = fake_llm.openai_url if provider == "openai" else fake_llm.url
    settings.CHAT_LLM_API_KEY = KEY
    settings.CHAT_LLM_MODEL = "fake-model"
    settings.CHAT_LLM_MAX_RETRIES = 0
    settings.CHAT_LLM_TIMEOUT = 10
    return settings


async def ask(text: str) -> llm.LLMError:
    model = llm.from_settings()
    try:

        async def ignore(_: str) -> None:
            return None

        with pytest.raises(llm.LLMError) as raised:
            await model.turn([{"role": "user", "content": text}], [], ignore)
    finally:
        await model.close()
    return raised.value


def warnings_of(caplog) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "chat.llm" and r.levelno == logging.WARNING
    ]


@pytest.mark.parametrize("model_settings", PROVIDERS, indirect=True)
async def test_a_server_error_is_logged_with_provider_host_model_status_and_class(
    model_settings, fake_llm, caplog
):
    caplog.set_level(logging.INFO)
    error = await ask(f"server error please, {SECRET_WORDS}")

    assert error.kind == "server"
    [line] = warnings_of(caplog)
    provider = model_settings.CHAT_LLM_PROVIDER
    assert f"provider={provider}" in line
    assert f"host=127.0.0.1:{fake_llm.port}" in line
    assert "model=fake-model" in line
    assert "status=500" in line
    assert "error=InternalServerError" in line or "error=SDKError" in line
    assert SECRET_WORDS not in line
    assert KEY not in line


@pytest.mark.parametrize("model_settings", PROVIDERS, indirect=True)
async def test_a_refused_key_is_logged_without_the_key(model_settings, caplog):
    model_settings.CHAT_LLM_API_KEY = "sk-wrong-key-that-must-not-be-logged"
    caplog.set_level(logging.INFO)
    error = await ask(SECRET_WORDS)

    assert error.kind == "auth"
    [line] = warnings_of(caplog)
    assert "status=401" in line
    assert "sk-wrong-key" not in "\n".join(r.getMessage() for r in caplog.records)
    assert SECRET_WORDS not in line


@pytest.mark.parametrize("model_settings", PROVIDERS, indirect=True)
async def test_an_unreachable_endpoint_is_logged_with_its_host(model_settings, caplog):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    model_settings.CHAT_LLM_BASE_URL = f"http://user:pass@127.0.0.1:{port}/v1"
    caplog.set_level(logging.INFO)
    error = await ask(SECRET_WORDS)

    assert error.kind == "unreachable"
    [line] = warnings_of(caplog)
    assert f"host=127.0.0.1:{port}" in line
    assert "status=-" in line
    assert "error=" in line
    assert "pass" not in line


def test_the_logged_host_has_no_scheme_path_or_credentials():
    assert endpoint_host("https://key:secret@llm.example.com:8443/v1/", "x") == (
        "llm.example.com:8443"
    )
    assert endpoint_host("https://api.openai.com/v1/", "x") == "api.openai.com"
    assert endpoint_host("", "api.mistral.ai") == "api.mistral.ai"
    assert endpoint_host("http://[::1", "fallback") == "fallback"

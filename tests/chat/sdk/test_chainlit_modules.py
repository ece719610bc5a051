"""Chainlit's modules under `chat.sdk` with Chainlit's shapes: `chat.sdk.config`, `.logger`,
`.element`, `.user`, `.context.local_steps`, `.oauth_providers`, `.cache`, `.data`, and a
Chainlit app that uses them running with only its imports changed."""

from __future__ import annotations

import asyncio
import importlib
import logging
from pathlib import Path

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.test import Client
from django.test.utils import override_settings

import chat.sdk as cl
from chat.engine.assistant import AssistantLoadError, load
from chat.models import Message
from chat.sdk.config import config
from chat.sdk.context import local_steps
from chat.sdk.conversions import user_of
from chat.sdk.data_layer import DataLayerNotSupported
from chat.sdk.oauth_providers import (
    OAuthProvider,
    get_configured_oauth_providers,
    get_oauth_provider,
    providers,
)
from tests.chat.web.test_consumers import connect, path_of  # noqa: F401 - fixtures
from tests.factories import make_thread, make_user

PORT_CHECK = Path(__file__).resolve().parents[2] / "port_check"


# -- chat.sdk.config -------------------------------------------------------------------------
def test_config_reads_the_settings_in_chainlits_sections():
    with override_settings(
        CHAT_UI_NAME="Acme Helper", CHAT_COT="tool_call", CHAT_UPLOAD_MAX_FILES=3
    ):
        assert config.ui.name == "Acme Helper"
        assert config.ui.cot == "tool_call"
        assert config.features.spontaneous_file_upload.max_files == 3
        assert config.features.spontaneous_file_upload.enabled is True
    assert config.ui.name == settings.CHAT_UI_NAME
    assert config.project.user_env == []
    assert config.run.module_name == settings.CHAT_ASSISTANT
    assert config.code.on_message is not None  # the loaded assistant's hook


def test_config_reads_the_ui_options_from_their_settings():
    with override_settings(
        CHAT_UI_LAYOUT="wide",
        CHAT_UI_SIDEBAR="closed",
        CHAT_UI_DESCRIPTION="Answers about Acme",
        CHAT_UI_LOGIN_IMAGE="chat/login.jpg",
        CHAT_UI_META_IMAGE="chat/preview.png",
        CHAT_UI_HEADER_LINKS=["Help|https://help.example.com", "Status|/status/"],
        CHAT_CONFIRM_NEW_CHAT=True,
        CHAT_AUTO_TAG_THREAD=False,
        LANGUAGE_CODE="de",
    ):
        ui = config.ui
        assert (ui.layout, ui.theme.layout) == ("wide", "wide")
        assert ui.default_sidebar_state == "closed"
        assert ui.description == "Answers about Acme"
        assert ui.login_page_image == "chat/login.jpg"
        assert ui.custom_meta_image_url == "chat/preview.png"
        assert [(link.name, link.url, link.target) for link in ui.header_links] == [
            ("Help", "https://help.example.com", "_blank"),
            ("Status", "/status/", None),
        ]
        assert ui.confirm_new_chat is True
        assert ui.language == "de"
        assert config.features.auto_tag_thread is False
        assert config.features.favorites is True
    assert config.ui.default_sidebar_state == "open"
    assert config.project.user_session_timeout == settings.SESSION_COOKIE_AGE


def test_config_refuses_changes_from_code_with_a_reason():
    with pytest.raises(AttributeError, match="comes from the settings"):
        config.ui = None
    with pytest.raises(AttributeError):
        config.ui.name = "Other"


# -- chat.sdk.logger, chat.sdk.element, chat.sdk.user ------------------------------------------
def test_the_logger_is_chainlits_named_logger(caplog):
    from chat.sdk.logger import logger

    with caplog.at_level(logging.INFO, logger="chainlit"):
        logger.info("ready")
    assert caplog.records[-1].name == "chainlit"
    assert caplog.records[-1].getMessage() == "ready"


def test_the_element_module_names_the_same_classes_as_the_facade():
    from chat.sdk import element

    assert element.Element is cl.Element
    assert element.Image is cl.Image
    assert element.TaskList is cl.TaskList
    assert issubclass(element.Text, element.Element)


@pytest.mark.parametrize(
    ("module", "names"),
    [
        ("chat.sdk.message", ["Message", "ErrorMessage", "AskUserMessage", "AskActionMessage"]),
        ("chat.sdk.message", ["AskFileMessage", "AskElementMessage"]),
        ("chat.sdk.element", ["CustomElement", "Pyplot", "Dataframe", "Element"]),
        ("chat.sdk.step", ["Step", "step"]),
        ("chat.sdk.mode", ["Mode", "ModeOption"]),
        ("chat.sdk.sidebar", ["ElementSidebar"]),
        ("chat.sdk.langchain.callbacks", ["LangchainCallbackHandler"]),
        ("chat.sdk.langchain.callbacks", ["AsyncLangchainCallbackHandler"]),
        ("chat.sdk.llama_index.callbacks", ["LlamaIndexCallbackHandler"]),
        ("chat.sdk.openai", ["instrument_openai"]),
        ("chat.sdk.mistralai", ["instrument_mistralai"]),
    ],
)
def test_chainlits_module_paths_name_the_facades_objects(module, names):
    """`from chainlit.X import Y` becomes `from chat.sdk.X import Y` and gets `cl.Y`."""
    imported = importlib.import_module(module)
    for name in names:
        assert getattr(imported, name) is getattr(cl, name)


def test_chainlits_step_and_element_dicts_are_named_where_chainlit_names_them():
    from chat.sdk import element, types

    step = importlib.import_module("chat.sdk.step")  # `chat.sdk.step` the name is cl.step
    assert step.StepDict is types.StepDict
    assert element.ElementDict is types.ElementDict


def test_the_types_module_names_what_apps_import_from_chainlit_types():
    from chat.sdk import types

    assert types.ChatProfile is cl.ChatProfile
    assert types.Starter is cl.Starter
    assert types.StarterCategory is cl.StarterCategory
    for name in ("ThreadDict", "Feedback", "FeedbackDict", "CommandDict", "FileDict"):
        assert name in types.__all__
    for name in ("AskActionResponse", "AskElementResponse", "AskFileResponse"):
        assert name in types.__all__
    assert set(types.AskActionResponse.__annotations__) == {
        "name",
        "payload",
        "label",
        "tooltip",
        "forId",
        "id",
    }


@pytest.mark.django_db
def test_the_signed_in_user_is_a_persisted_user_with_its_id_and_creation_date():
    account = make_user("lee@corp.example")
    user = user_of(account)
    assert isinstance(user, cl.PersistedUser)
    assert isinstance(user, cl.User)
    assert user.id == str(account.pk)
    assert user.createdAt == account.date_joined.isoformat()
    assert user.identifier == "lee@corp.example"
    assert user.to_dict()["id"] == str(account.pk)


@pytest.mark.django_db
def test_an_account_a_hook_named_without_an_address_keeps_its_name():
    assert user_of(make_user("admin@localhost")).identifier == "admin"


# -- chat.sdk.context.local_steps --------------------------------------------------------------
def test_local_steps_lists_the_open_steps_outermost_first():
    outer, inner = cl.Step(name="outer"), cl.Step(name="inner")
    assert local_steps.get() is None
    outer._enter()
    inner._enter()
    try:
        assert [s.name for s in local_steps.get()] == ["outer", "inner"]
    finally:
        inner._exit(None)
        outer._exit(None)
    assert local_steps.get() is None


# -- chat.sdk.oauth_providers ---------------------------------------------------------------
def test_oauth_providers_describes_the_providers_the_settings_turn_on():
    apps = {
        "github": {"APPS": [{"client_id": "gh", "secret": "s"}]},
        "microsoft": {"APPS": [{"client_id": "ms", "secret": "s"}]},
        "openid_connect": {"APPS": [{"client_id": "o", "secret": "s", "provider_id": "oidc"}]},
    }
    with override_settings(SOCIALACCOUNT_PROVIDERS=apps):
        assert get_configured_oauth_providers() == ["github", "azure-ad", "generic"]
        github = get_oauth_provider("github")
        assert isinstance(github, OAuthProvider)
        assert github.client_id == "gh"
    with override_settings(SOCIALACCOUNT_PROVIDERS={}):
        assert get_configured_oauth_providers() == []
        assert get_oauth_provider("github") is None


def test_an_apps_own_provider_class_is_not_silently_ignored(caplog):
    class Corp(OAuthProvider):
        id = "corp"

    with caplog.at_level(logging.WARNING, logger="chainlit"):
        providers.append(Corp())
    try:
        assert "OAUTH_OIDC_CLIENT_ID" in caplog.text
        assert "'corp' is not used" in caplog.text
    finally:
        list.clear(providers)


# -- cl.cache ---------------------------------------------------------------------------------
def test_cache_computes_once_per_arguments_and_stays_bounded():
    calls = []

    @cl.cache(max_entries=2)
    def square(n):
        calls.append(n)
        return n * n

    assert [square(2), square(2), square(3), square(2)] == [4, 4, 9, 4]
    assert calls == [2, 3]
    square(4)  # 3 is the least recently used: dropped
    square(3)
    assert calls == [2, 3, 4, 3]


async def test_cache_keeps_an_async_result_and_computes_it_once_for_concurrent_callers():
    calls = []

    @cl.cache
    async def load_model(name):
        calls.append(name)
        await asyncio.sleep(0)
        return {"model": name}

    results = await asyncio.gather(*(load_model("small") for _ in range(5)))
    assert results == [{"model": "small"}] * 5
    assert await load_model("small") == {"model": "small"}
    assert calls == ["small"]


# -- the data layer seam ------------------------------------------------------------------------
def test_an_app_with_its_own_data_layer_stops_at_start_saying_what_to_do(use_assistant):
    with pytest.raises(AssistantLoadError) as failure:
        load(str(PORT_CHECK / "data_layer_app.py"), force=True)
    message = str(failure.value)
    assert "@cl.data_layer is Chainlit's pluggable data layer" in message
    assert "Django models" in message
    assert "DATABASE_URL" in message
    assert "data_layer_app.py, line" in message


def test_chainlits_data_modules_fail_with_the_same_explanation():
    with pytest.raises(DataLayerNotSupported, match=r"chainlit\.data\.sql_alchemy"):
        import chat.sdk.data.sql_alchemy  # noqa: F401
    from chat.sdk.data import BaseDataLayer

    class Mine(BaseDataLayer):
        pass

    with pytest.raises(DataLayerNotSupported, match="Mine is Chainlit's pluggable data layer"):
        Mine()


# -- a Chainlit app using these names ------------------------------------------------------
@database_sync_to_async
def signed_in_as(login: str, password: str) -> tuple[object, bytes]:
    client = Client()
    response = client.post("/accounts/login/", {"login": login, "password": password})
    assert response.status_code == 302, response.content.decode()[-600:]
    name = settings.SESSION_COOKIE_NAME
    from django.contrib.auth import get_user_model

    account = get_user_model().objects.get(email="admin@localhost")
    return account, f"{name}={client.cookies[name].value}".encode()


async def texts(thread) -> list[str]:
    return [
        m.content
        async for m in Message.objects.filter(thread=thread, author_kind=Message.Author.ASSISTANT)
    ]


@pytest.mark.django_db(transaction=True)
async def test_a_chainlit_app_using_chainlits_modules_runs(use_assistant, connect):  # noqa: F811
    use_assistant(str(PORT_CHECK / "module_names.py"))
    account, cookie = await signed_in_as("admin", "admin")
    thread = await database_sync_to_async(make_thread)(account)
    from channels.testing import WebsocketCommunicator

    from chatproject.asgi import application
    from tests.chat.web.test_consumers import ORIGIN, Socket

    communicator = WebsocketCommunicator(
        application, path_of(thread), headers=[ORIGIN, (b"cookie", cookie)]
    )
    connected, _ = await communicator.connect(timeout=10)
    assert connected
    socket = Socket(communicator)
    try:
        await socket.until(lambda f: "Welcome to" in f)
        await socket.say("RAG")
        await socket.until(lambda f: "glossary loads" in f)
        await socket.say("LLM")
        await socket.until(lambda f: "glossary loads: 1" in f and "LLM" in f)
    finally:
        await communicator.disconnect(timeout=5)
    welcome, first, second = await texts(thread)
    assert welcome == (
        f"Welcome to {settings.CHAT_UI_NAME}, admin (persisted user, role admin). "
        f"Sign-in providers: none. Uploads: up to {settings.CHAT_UPLOAD_MAX_FILES} files."
    )
    assert first.startswith("RAG: retrieval-augmented generation (inside Research > look_up)")
    assert second == "LLM: large language model (inside Research > look_up) [glossary loads: 1]"

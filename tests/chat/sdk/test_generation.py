"""Chainlit's generation records (`cl.ChatGeneration`, `cl.CompletionGeneration`) on an
`llm` step: stored with the step, shown, and counted in the usage figures; every name
Chainlit exports exists under `chat.sdk`; and a Chainlit app using them (with
`@cl.on_shared_thread_view`) runs with only its import changed."""

from __future__ import annotations

from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from django.test import Client
from django.urls import reverse

import chat.sdk as cl
from chat.models import ModelCall, Step
from chat.threads import history
from tests.drivers import wait_for
from tests.factories import make_user

PORT_CHECK = Path(__file__).resolve().parents[2] / "port_check"

# `chainlit.__all__` in Chainlit 2.12.
CHAINLIT_NAMES = [
    "Action",
    "AskActionMessage",
    "AskElementMessage",
    "AskFileMessage",
    "AskUserMessage",
    "AsyncLangchainCallbackHandler",
    "Audio",
    "ChatGeneration",
    "ChatProfile",
    "ChatSettings",
    "CompletionGeneration",
    "CopilotFunction",
    "CustomElement",
    "Dataframe",
    "ElementSidebar",
    "ErrorMessage",
    "File",
    "GenerationMessage",
    "Image",
    "InputAudioChunk",
    "LangchainCallbackHandler",
    "LlamaIndexCallbackHandler",
    "Message",
    "Mode",
    "ModeOption",
    "OutputAudioChunk",
    "Pdf",
    "PersistedUser",
    "Plotly",
    "Pyplot",
    "SemanticKernelFilter",
    "Starter",
    "StarterCategory",
    "Step",
    "Task",
    "TaskList",
    "TaskStatus",
    "Text",
    "User",
    "Video",
    "__version__",
    "action_callback",
    "author_rename",
    "cache",
    "chat_context",
    "context",
    "data_layer",
    "header_auth_callback",
    "input_widget",
    "instrument_mistralai",
    "instrument_openai",
    "make_async",
    "oauth_callback",
    "on_app_shutdown",
    "on_app_startup",
    "on_audio_chunk",
    "on_audio_end",
    "on_audio_start",
    "on_chat_end",
    "on_chat_resume",
    "on_chat_start",
    "on_feedback",
    "on_logout",
    "on_mcp_connect",
    "on_mcp_disconnect",
    "on_message",
    "on_settings_edit",
    "on_settings_update",
    "on_shared_thread_view",
    "on_slack_reaction_added",
    "on_stop",
    "on_window_message",
    "password_auth_callback",
    "run_sync",
    "send_window_message",
    "set_chat_profiles",
    "set_starter_categories",
    "set_starters",
    "sleep",
    "step",
    "user_session",
]

APP = """
import chat.sdk as cl


@cl.on_message
async def main(message: cl.Message):
    async with cl.Step(name="gpt", type="llm") as step:
        step.generation = cl.ChatGeneration(
            provider="openai",
            model="fake-model",
            messages=[cl.GenerationMessage(role="user", content=message.content)],
            message_completion={"role": "assistant", "content": "Hello"},
            settings={"temperature": 0},
            input_token_count=7,
            output_token_count=3,
            token_count=10,
            tt_first_token=120.0,
            duration=0.5,
        )
        step.output = "Hello"
    await cl.Message(content="Hello").send()
"""


def test_every_name_chainlit_exports_exists():
    exported = set(cl.__all__)
    missing = [n for n in CHAINLIT_NAMES if n not in exported]
    assert missing == []
    assert cl.__version__.startswith("2.")


def test_a_generation_keeps_its_fields_through_its_stored_form():
    chat = cl.ChatGeneration(
        provider="anthropic", model="m", input_token_count=5, output_token_count=2, duration=1.5
    )
    assert cl.ChatGeneration.from_dict(chat.to_dict()) == chat
    completion = cl.CompletionGeneration(model="m", prompt="Say hi", completion="Hi")
    again = cl.CompletionGeneration.from_dict(completion.to_dict())
    assert isinstance(again, cl.CompletionGeneration)
    assert (again.prompt, again.completion) == ("Say hi", "Hi")


@pytest.mark.django_db(transaction=True)
async def test_a_chat_generation_on_an_llm_step_is_stored_and_counted(
    use_assistant, open_chat, thread, user, tmp_path, settings
):
    settings.CHAT_MODEL_PRICES = {"fake-model": {"input": 1.0, "output": 2.0}}
    app = tmp_path / "generation_app.py"
    app.write_text(APP)
    use_assistant(str(app))
    chat = await open_chat(thread, user)
    await chat.send("hello there")
    rows = ModelCall.objects.filter(thread_id=thread.pk)

    async def stored() -> bool:
        return await rows.acount() == 1

    await wait_for(stored, within=10, what="the model call stored")
    call = await rows.aget()
    assert (call.provider, call.model) == ("openai", "fake-model")
    assert (call.input_tokens, call.output_tokens) == (7, 3)
    assert call.cost is not None
    step = await Step.objects.aget(thread_id=thread.pk, name="gpt")
    generation = step.metadata["generation"]
    assert generation["type"] == "CHAT"
    assert generation["messages"] == [{"role": "user", "content": "hello there"}]
    assert generation["duration_ms"] == 500


@pytest.mark.django_db(transaction=True)
async def test_a_chainlit_app_describing_its_calls_and_guarding_its_links_runs(
    use_assistant, open_chat, thread, user
):
    use_assistant(str(PORT_CHECK / "shared_threads.py"))
    chat = await open_chat(thread, user)
    await chat.send("three short words")
    rows = ModelCall.objects.filter(thread_id=thread.pk)

    async def stored() -> bool:
        return await rows.acount() == 1

    await wait_for(stored, within=10, what="the model call stored")
    call = await rows.aget()
    assert (call.model, call.input_tokens, call.output_tokens) == ("echo-1", 3, 4)

    await sync_to_async(history.share)(user, thread.pk)
    await thread.arefresh_from_db()
    link = reverse("chat:shared", args=[thread.share_token])
    domain = user.email.rpartition("@")[2]
    colleague = await sync_to_async(make_user)(f"colleague@{domain}")
    outsider = await sync_to_async(make_user)("someone@elsewhere.test")

    def status(person) -> int:
        client = Client()
        client.force_login(person)
        return client.get(link).status_code

    assert await sync_to_async(status)(colleague) == 200
    assert await sync_to_async(status)(outsider) == 404

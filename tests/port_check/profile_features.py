"""An app whose chat profiles switch whole features, as Chainlit's `config_overrides` do:
"Workbench" shows every step, takes files, tool servers and voice, and opens its settings
at first; "Focus" hides the steps and turns files, tool servers and the microphone off.

A Chainlit app: only `chainlit` became `chat.sdk` in its imports. Run it with:
    python manage.py runchat tests/port_check/profile_features.py
"""

import chat.sdk as cl
from chat.sdk.config import (
    AudioFeature,
    ChainlitConfigOverrides,
    FeaturesSettings,
    McpFeature,
    SpontaneousFileUploadFeature,
    UISettings,
)
from chat.sdk.input_widget import Select


@cl.set_chat_profiles
async def chat_profile(current_user: cl.User):
    return [
        cl.ChatProfile(
            name="Workbench",
            markdown_description="Every step shown, files, tools and voice.",
            default=True,
            config_overrides=ChainlitConfigOverrides(
                ui=UISettings(name="Workbench", cot="full", default_chat_settings_open=True),
            ),
        ),
        cl.ChatProfile(
            name="Focus",
            markdown_description="Answers only: no steps, files, tools or voice.",
            config_overrides=ChainlitConfigOverrides(
                ui=UISettings(name="Focus", cot="hidden"),
                features=FeaturesSettings(
                    spontaneous_file_upload=SpontaneousFileUploadFeature(enabled=False),
                    mcp=McpFeature(enabled=False),
                    audio=AudioFeature(enabled=False),
                ),
            ),
        ),
    ]


@cl.on_chat_start
async def start():
    await cl.ChatSettings(
        [Select(id="tone", label="Tone", values=["plain", "friendly"], initial_index=0)]
    ).send()


@cl.on_mcp_connect
async def on_mcp(connection, session):
    cl.user_session.set("mcp", connection.name)


@cl.on_audio_chunk
async def on_audio_chunk(chunk: cl.InputAudioChunk):
    pass


@cl.step(type="tool")
async def look_up(query: str) -> str:
    return f"found {query}"


@cl.on_message
async def on_message(message: cl.Message):
    found = await look_up(message.content)
    profile = cl.user_session.get("chat_profile")
    await cl.Message(content=f"{profile}: {found}").send()

"""An app whose chat profiles switch features, as Chainlit's `config_overrides` do: one
takes pictures only, another no files and no shared links.

A Chainlit app: only `chainlit` became `chat.sdk` in its imports. Run it with:
    python manage.py runchat tests/port_check/profile_switches.py
"""

import chat.sdk as cl
from chat.sdk.config import (
    ChainlitConfigOverrides,
    FeaturesSettings,
    SpontaneousFileUploadFeature,
)


@cl.set_chat_profiles
async def chat_profile(current_user: cl.User):
    return [
        cl.ChatProfile(
            name="Pictures",
            markdown_description="Send up to two **images**.",
            default=True,
            config_overrides=ChainlitConfigOverrides(
                features=FeaturesSettings(
                    spontaneous_file_upload=SpontaneousFileUploadFeature(
                        enabled=True, accept=["image/*"], max_files=2, max_size_mb=1
                    )
                )
            ),
        ),
        cl.ChatProfile(
            name="Text only",
            markdown_description="No files, no shared links.",
            config_overrides=ChainlitConfigOverrides(
                features=FeaturesSettings(
                    spontaneous_file_upload=SpontaneousFileUploadFeature(enabled=False),
                    allow_thread_sharing=False,
                )
            ),
        ),
    ]


@cl.on_message
async def on_message(message: cl.Message):
    names = ", ".join(element.name for element in message.elements) or "no file"
    profile = cl.user_session.get("chat_profile")
    await cl.Message(content=f"{profile}: {message.content} ({names})").send()

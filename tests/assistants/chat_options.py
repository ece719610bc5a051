"""Profiles, starters, every settings widget and commands, recorded for tests to read.

Each hook writes what it received into the user session (and a message), so a test can
see exactly what reached the assistant.
"""

import chat.sdk as cl
from chat.sdk.input_widget import (
    Checkbox,
    MultiSelect,
    NumberInput,
    RadioGroup,
    Select,
    Slider,
    Switch,
    Tags,
    TextInput,
)

SEEN: dict = {"profile_calls": [], "starter_calls": []}

COMMANDS = [
    {"id": "search", "description": "Search the web", "icon": "🔎", "button": True},
    {"id": "draft", "description": "Write a draft", "icon": "pen", "persistent": True},
]


def widgets() -> list:
    return [
        Switch(id="stream", label="Stream", initial=True),
        Slider(id="temperature", label="Temperature", initial=0.5, min=0, max=1, step=0.1),
        Slider(id="tokens", label="Tokens", initial=256, min=64, max=1024, step=64),
        Select(id="model", label="Model", values=["small", "large"], initial_index=0),
        TextInput(id="persona", label="Persona", initial="helpful", placeholder="Who am I?"),
        NumberInput(id="seed", label="Seed", initial=7),
        Tags(id="topics", label="Topics", initial=["hr"], values=["hr", "it"]),
        MultiSelect(
            id="sources",
            label="Sources",
            items={"Wiki": "wiki", "Tickets": "tickets"},
            initial=["wiki"],
        ),
        Checkbox(id="cite", label="Cite sources", initial=False),
        RadioGroup(id="length", label="Length", values=["short", "long"], initial_value="short"),
        Switch(id="locked", label="Locked", initial=True, disabled=True),
    ]


@cl.set_chat_profiles
async def profiles(user: cl.User, language: str | None = None):
    SEEN["profile_calls"].append((user.identifier, language))
    return [
        cl.ChatProfile(name="General", markdown_description="For **anything**.", default=True),
        cl.ChatProfile(
            name="Research",
            markdown_description="Digs deeper.",
            icon="/static/chat/favicon.svg",
            starters=[cl.Starter(label="Find papers", message="find papers on RAG")],
        ),
    ]


@cl.set_starters
async def starters(user: cl.User):
    SEEN["starter_calls"].append(user.identifier)
    return [
        cl.Starter(label="Say hello", message="hello from a starter", icon="👋"),
        cl.Starter(label="Search", message="search the docs", command="search"),
    ]


@cl.on_chat_start
async def start():
    cl.user_session.set("started_with", cl.user_session.get("chat_profile"))
    settings = await cl.ChatSettings(widgets()).send()
    cl.user_session.set("initial_settings", settings)
    await cl.context.emitter.set_commands(COMMANDS)
    await cl.Message(content=f"Profile: {cl.user_session.get('chat_profile')}").send()


@cl.on_chat_resume
async def resume(thread):
    cl.user_session.set("resumed_settings", cl.user_session.get("chat_settings"))
    cl.user_session.set(
        "resumed_metadata", {k: thread["metadata"][k] for k in ("chat_profile", "chat_settings")}
    )


@cl.on_settings_update
async def changed(settings: dict):
    updates = cl.user_session.get("updates") or []
    updates.append(settings)
    cl.user_session.set("updates", updates)
    await cl.Message(
        content=f"model={settings['model']} temperature={settings['temperature']}"
    ).send()


@cl.on_message
async def on_message(message: cl.Message):
    if message.content == "offer a broken command":
        await cl.context.emitter.set_commands([{"description": "no id"}])
    if message.content == "drop the commands":
        await cl.context.emitter.set_commands([])
    model = (cl.user_session.get("chat_settings") or {}).get("model")
    profile = cl.user_session.get("chat_profile")
    await cl.Message(
        content=f"command={message.command} text={message.content} (model {model}) "
        f"[profile {profile}]"
    ).send()

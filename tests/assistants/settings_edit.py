"""Settings in tabs, with a date and a date range, redrawn while the user edits them: the
models offered follow the provider chosen, before anything is saved."""

from datetime import date

import chat.sdk as cl
from chat.sdk.input_widget import DatePicker, Select, Slider, Switch, Tab

MODELS = {"openai": ["gpt-small", "gpt-large"], "mistral": ["mistral-small", "mistral-large"]}


def widgets(provider: str) -> list:
    return [
        Tab(
            id="model",
            label="Model",
            inputs=[
                Select(
                    id="provider", label="Provider", values=list(MODELS), initial_value=provider
                ),
                Select(id="model", label="Model", values=MODELS[provider], initial_index=0),
                Slider(id="temperature", label="Temperature", initial=0.5, min=0, max=1, step=0.1),
            ],
        ),
        Tab(
            id="search",
            label="Search",
            inputs=[
                Switch(id="web", label="Search the web", initial=False),
                DatePicker(
                    id="since",
                    label="News since",
                    initial=date(2026, 1, 1),
                    min_date="2025-01-01",
                    max_date="2026-12-31",
                ),
                DatePicker(
                    id="trip", label="Trip", mode="range", initial=("2026-03-01", "2026-03-08")
                ),
            ],
        ),
    ]


@cl.on_chat_start
async def start():
    cl.user_session.set("edits", [])
    cl.user_session.set("provider", "openai")
    await cl.ChatSettings(widgets("openai")).send()
    await cl.Message(content="ready").send()


@cl.on_settings_edit
async def editing(settings: dict):
    cl.user_session.get("edits").append(dict(settings))
    if settings["provider"] != cl.user_session.get("provider"):
        cl.user_session.set("provider", settings["provider"])
        await cl.ChatSettings(widgets(settings["provider"])).send()


@cl.on_settings_update
async def saved(settings: dict):
    await cl.Message(
        content=f"saved {settings['provider']} {settings['model']} {settings['trip']}"
    ).send()


@cl.on_message
async def on_message(message: cl.Message):
    if message.content == "refresh":
        await cl.ChatSettings(widgets("mistral")).refresh()
        await cl.Message(content="refreshed").send()

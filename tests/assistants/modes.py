"""Pickers in the composer: a model and a reasoning effort; each answer says what it got."""

import chat.sdk as cl

MODES = [
    cl.Mode(
        id="model",
        name="Model",
        options=[
            cl.ModeOption(id="pro", name="Pro", description="Most capable", icon="✨"),
            cl.ModeOption(id="flash", name="Flash", description="Quick", default=True),
        ],
    ),
    cl.Mode(
        id="reasoning",
        name="Reasoning",
        options=[cl.ModeOption(id="low", name="Low"), cl.ModeOption(id="high", name="High")],
    ),
]


@cl.on_chat_start
async def start():
    await cl.context.emitter.set_modes(MODES)


@cl.on_message
async def on_message(message: cl.Message):
    if message.content == "drop pro":
        await cl.context.emitter.set_modes([MODES[1]])
    modes = message.modes or {}
    await cl.Message(
        content=f"model={modes.get('model')} reasoning={modes.get('reasoning')}"
    ).send()

"""Every way of making the assistant run leaves a trace: an answer with a button, the
button's answer and the host page's message each send a message saying what ran."""

import chat.sdk as cl


@cl.on_message
async def on_message(message: cl.Message):
    await cl.Message(
        content=f"answer to: {message.content}",
        actions=[cl.Action(name="again", payload={}, label="Again")],
    ).send()


@cl.action_callback("again")
async def again(action: cl.Action):
    await cl.Message(content="the button ran").send()


@cl.on_window_message
async def from_host(data):
    await cl.Message(content="the window message ran").send()

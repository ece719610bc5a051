"""An assistant for the copilot tests: calls a function of the host page, and exchanges
window messages with it."""

import chat.sdk as cl


@cl.on_message
async def on_message(message: cl.Message):
    text = message.content
    if "title" in text:
        title = await cl.CopilotFunction(name="page_title", args={"suffix": "!"}).acall()
        await cl.Message(content=f"The host page is titled: {title}").send()
    elif text == "ping host":
        await cl.send_window_message({"text": "hello host"})
        await cl.Message(content="Sent the host a message.").send()
    else:
        await cl.Message(content=f"{cl.context.session.client_type}: {text}").send()


@cl.on_window_message
async def from_host(data):
    await cl.Message(content=f"The host says: {data['text']}").send()

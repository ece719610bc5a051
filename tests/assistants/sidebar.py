"""The side panel opened, filled, renamed and closed from code (cl.ElementSidebar)."""

import chat.sdk as cl


@cl.on_message
async def on_message(message: cl.Message):
    if message.content == "open":
        await cl.ElementSidebar.set_title("Sources")
        await cl.ElementSidebar.set_elements(
            [
                cl.Text(name="Handbook", content="The garage closes at **22:00**."),
                cl.Text(name="Query", content="SELECT 1", language="sql"),
            ]
        )
    elif message.content == "title only":
        await cl.ElementSidebar.set_title("Notes")
    elif message.content == "close":
        await cl.ElementSidebar.set_elements([])
    elif message.content == "shared":
        # The same element under a message and in the panel: each keeps its own.
        text = cl.Text(name="Shared", content="in both places")
        await cl.Message(content="see the panel", elements=[text]).send()
        await cl.ElementSidebar.set_elements([text])
        await cl.ElementSidebar.set_elements([text])
    await cl.Message(content=f"done {message.content}").send()

"""Tags the conversation from code, as Chainlit apps do with thread tags."""

import chat.sdk as cl


@cl.on_message
async def on_message(message: cl.Message):
    thread = cl.context.session.thread
    if message.content.startswith("tag "):
        thread.tags = [*thread.tags, message.content[4:]]
    elif message.content == "untag":
        await thread.set_tags([])
    elif message.content == "bad":
        thread.tags = "billing"
    await cl.Message(content=f"tags={','.join(thread.tags)}").send()

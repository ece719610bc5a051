"""The README's minimal assistant: a counter kept in the user session by on_chat_start."""

import chat.sdk as cl


@cl.on_chat_start
async def start():
    cl.user_session.set("count", 0)
    await cl.Message(content="Hello! Say something.").send()


@cl.on_message
async def on_message(message: cl.Message):
    count = cl.user_session.get("count") + 1
    cl.user_session.set("count", count)
    reply = cl.Message(content="")
    for word in f"Message {count}: you said {message.content}".split():
        await reply.stream_token(word + " ")
        await cl.sleep(0.05)
    await reply.update()

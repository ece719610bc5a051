"""Streams a numbered list, opens its third item, then waits: a Stop lands right there."""

import chat.sdk as cl

TOKENS = ["Steps:\n\n", "1. Sign in", "\n2. Ask", "\n3."]


@cl.on_message
async def on_message(message: cl.Message) -> None:
    msg = cl.Message(content="")
    for token in TOKENS:
        await msg.stream_token(token)
    await cl.sleep(120)
    await msg.stream_token(" Press Stop")
    await msg.update()

"""A test assistant that streams slowly: 200 tokens, 50 ms apart (about 10 s)."""

import chat.sdk as cl

TOKENS = 200
DELAY = 0.05


def full_text() -> str:
    return " ".join(f"word{i}" for i in range(TOKENS))


@cl.on_message
async def on_message(message: cl.Message) -> None:
    msg = cl.Message(content="")
    for i in range(TOKENS):
        await msg.stream_token(f"word{i}" if i == 0 else f" word{i}")
        await cl.sleep(DELAY)
    await msg.update()

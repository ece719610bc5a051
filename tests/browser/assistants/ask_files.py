"""Asks for as many files as the message says ("1", "3", ...), and names what came."""

import chat.sdk as cl


@cl.on_message
async def on_message(message: cl.Message) -> None:
    count = int(message.content) if message.content.isdigit() else 1
    files = await cl.AskFileMessage(
        content="Send the files", accept=["text/plain"], max_files=count, timeout=120
    ).send()
    await cl.Message(content=", ".join(f.name for f in files or []) or "nothing").send()

"""A test assistant with no chat profiles, no commands and no settings: it asks for
files when told "files", and echoes anything else."""

import chat.sdk as cl


@cl.on_message
async def on_message(message: cl.Message) -> None:
    if message.content.strip() != "files":
        await cl.Message(content=f"Echo: {message.content}").send()
        return
    files = await cl.AskFileMessage(
        content="Send me the minutes.", accept=["text/plain"], max_files=2, timeout=600
    ).send()
    names = ", ".join(file.name for file in files or [])
    await cl.Message(content=f"Got {names}.").send()

"""Answers with what it was asked and how long the history it sees is; for edit and
regenerate tests. Each answer comes after a step, so both can be replaced.

"hang" waits until stopped; "toast <type>" shows a toast; "oops" sends a cl.ErrorMessage.
Authors named "Bot" are shown as "Helpful Bot" (an async @cl.author_rename).
"""

import asyncio
import itertools

import chat.sdk as cl

answers = itertools.count(1)


@cl.author_rename
async def rename(author: str) -> str:
    await asyncio.sleep(0)
    return "Helpful Bot" if author == "Bot" else author


@cl.on_message
async def on_message(message: cl.Message):
    text = message.content
    if text == "hang":
        await asyncio.Event().wait()
    if text.startswith("toast "):
        await cl.context.emitter.send_toast(f"A {text[6:]} toast", type=text[6:])
        return
    if text == "oops":
        await cl.ErrorMessage(content="That went wrong").send()
        return
    async with cl.Step(name="think", type="tool") as step:
        step.output = f"thinking about {text}"
    history = cl.chat_context.to_openai()
    files = ",".join(e.name for e in message.elements)
    await cl.Message(
        content=f"answer {next(answers)} to: {text} (history {len(history)}; files {files})",
        author="Bot",
    ).send()

"""Answers with what `cl.rag.search` found for the question: each passage's name and text."""

import chat.sdk as cl


@cl.on_message
async def main(message: cl.Message) -> None:
    passages = await cl.rag.search(message.content, k=5)
    found = "\n".join(f"{p.name}: {p.text}" for p in passages)
    await cl.Message(content=found or "nothing found").send()

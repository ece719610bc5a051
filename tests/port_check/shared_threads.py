"""A Chainlit app that describes its own model calls and lets only colleagues open a shared
conversation: `cl.ChatGeneration` / `cl.GenerationMessage` on an `llm` step, and
`@cl.on_shared_thread_view`. Written for Chainlit; only `import chainlit as cl` changed."""

import chat.sdk as cl


def domain(identifier: str | None) -> str:
    return (identifier or "").rpartition("@")[2].lower()


@cl.on_shared_thread_view
async def on_shared_thread_view(thread: cl.types.ThreadDict, viewer: cl.User) -> bool:
    return domain(viewer.identifier) == domain(thread.get("userIdentifier"))


@cl.on_message
async def main(message: cl.Message):
    reply = f"Echo: {message.content}"
    async with cl.Step(name="echo-model", type="llm") as step:
        step.input = message.content
        step.output = reply
        step.generation = cl.ChatGeneration(
            provider="local",
            model="echo-1",
            messages=[cl.GenerationMessage(role="user", content=message.content)],
            message_completion=cl.GenerationMessage(role="assistant", content=reply),
            input_token_count=len(message.content.split()),
            output_token_count=len(reply.split()),
        )
    await cl.Message(content=reply).send()

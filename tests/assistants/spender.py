"""Each answer is one model call of exactly 100 tokens (60 in, 40 out), and a reply."""

import chat.sdk as cl


@cl.on_message
async def on_message(message: cl.Message) -> None:
    async with cl.Step(name="priced-model", type="llm") as step:
        step.generation = {
            "provider": "openai",
            "model": "priced-model",
            "input_tokens": 60,
            "output_tokens": 40,
        }
    await cl.Message(content=f"answered: {message.content}").send()

"""Reference Chainlit app for the anchor benchmark (no LLM, no network).

Behaviour, chosen by the text of the user message:
  "echo X"    -> one assistant message whose content is X
  "stream N"  -> one assistant message built from N streamed tokens
                 ("tok0 ", "tok1 ", ...), sent with stream_token() in a tight
                 loop, then finalised with update()
  "steps"     -> one assistant message produced inside two nested @cl.step
                 functions
  "pid"       -> (diagnostic) the server process id, to see which worker answered
  "count"     -> (diagnostic) increments a counter kept in cl.user_session and
                 returns it, to see whether a reconnect found its session again
anything else -> an "unknown command" message
"""

import os

import chat.sdk as cl


@cl.step(type="tool", name="inner_step")
async def inner_step(text: str) -> str:
    return text.upper()


@cl.step(type="tool", name="outer_step")
async def outer_step(text: str) -> str:
    inner = await inner_step(text)
    await cl.Message(content=f"steps done: {inner}").send()
    return inner


@cl.on_message
async def on_message(message: cl.Message):
    text = (message.content or "").strip()

    if text.startswith("echo "):
        await cl.Message(content=text[len("echo "):]).send()
        return

    if text.startswith("stream "):
        try:
            n = int(text.split()[1])
        except (IndexError, ValueError):
            n = 0
        msg = cl.Message(content="")
        for i in range(n):
            await msg.stream_token(f"tok{i} ")
        await msg.update()
        return

    if text == "steps":
        await outer_step("nested")
        return

    if text == "pid":
        await cl.Message(content=str(os.getpid())).send()
        return

    if text == "count":
        n = (cl.user_session.get("count") or 0) + 1
        cl.user_session.set("count", n)
        await cl.Message(content=str(n)).send()
        return

    await cl.Message(content=f"unknown command: {text!r}").send()

"""Bench-only assistant for the paced variant of workload (h) (not the anchor's app).

"paced N R" -> one assistant message of N streamed tokens ("tok0 ", "tok1 ", ...) sent
at R tokens per second (in steps of 20 tokens), then finalised with update(). The
anchor's "stream N" sends as fast as the loop allows, which this project's 30 ms
coalescing turns into a handful of frames; at a fixed rate the answer spans hundreds
of frames, so its first and last 5,000 tokens can be timed. compare.py runs the same
file on Chainlit with the import changed to `import chainlit as cl`.
"""

import asyncio

import chat.sdk as cl


@cl.on_message
async def on_message(message: cl.Message):
    text = (message.content or "").strip()
    if text.startswith("echo "):
        await cl.Message(content=text[len("echo "):]).send()
        return
    if text.startswith("paced "):
        try:
            n, rate = (int(x) for x in text.split()[1:3])
        except ValueError:
            n, rate = 0, 1
        loop = asyncio.get_running_loop()
        msg = cl.Message(content="")
        t0 = loop.time()
        for i in range(n):
            await msg.stream_token(f"tok{i} ")
            if i % 20 == 19:
                await asyncio.sleep(max(0.0, t0 + (i + 1) / rate - loop.time()))
        await msg.update()
        return
    await cl.Message(content=f"unknown command: {text!r}").send()

"""Echoes each message back, streamed word by word as an LLM streams.

"long" streams a long answer slowly (something to Stop); "burst N" streams N tokens
in a tight loop, as a fast model does; "busy N" streams N tokens each after 40 ms in
which the event loop is held, as on a server busy with other sessions; "spin S" streams
tokens for S seconds without ever waiting, as a model running in this process does ("spin
until shown S": until the asyncio.Event under "shown" in the user session is set, then
1,000 more; "(never shown)" says it gave up);
"wide N K" streams N tokens of K KiB each without waiting (wider than a frame, together);
"drip N MS" streams N tokens, one every MS milliseconds; "bad text" streams a NUL byte
and a lone surrogate; "markdown" streams MARKDOWN a few characters at a time, then pauses
before it ends.
"""

import re
import time

import chat.sdk as cl

LONG_WORDS = 400
MARKDOWN = (
    "# A tour\n\nSome **bold** words.\n\n- first item\n- second item\n\n"
    "```python\nprint('hi')\n```\nAnd a last paragraph that is still open"
)


def echo_of(text: str) -> str:
    return f"echo: {text}"


def long_answer() -> str:
    return "".join(f"word{i} " for i in range(LONG_WORDS))


@cl.on_message
async def on_message(message: cl.Message):
    text = message.content
    reply = cl.Message(content="")
    if text == "long":
        for token in re.findall(r"\S+\s*", long_answer()):
            await reply.stream_token(token)
            await cl.sleep(0.01)
    elif text.startswith("burst "):
        for i in range(int(text.split()[1])):
            await reply.stream_token(f"t{i} ")
        # A model pauses before its last chunk; the last frame goes out meanwhile.
        await cl.sleep(0.2)
    elif text.startswith("spin until shown "):
        # Until the test's tab shows the first token (or S seconds), then 1,000 more.
        shown, i = cl.user_session.get("shown"), 0
        end = time.monotonic() + float(text.split()[-1])
        while not shown.is_set() and time.monotonic() < end:
            await reply.stream_token(f"s{i} ")
            i += 1
        if not shown.is_set():
            await reply.stream_token("(never shown) ")
        for more in range(i, i + 1000):
            await reply.stream_token(f"s{more} ")
    elif text.startswith("spin "):
        end, i = time.monotonic() + float(text.split()[1]), 0
        while time.monotonic() < end:
            await reply.stream_token(f"s{i} ")
            i += 1
    elif text == "bad text":
        for token in ("nul\x00", " lone \ud800", " end"):
            await reply.stream_token(token)
    elif text == "markdown":
        for start in range(0, len(MARKDOWN), 4):
            await reply.stream_token(MARKDOWN[start : start + 4])
            await cl.sleep(0.01)
        await cl.sleep(0.3)
    elif text.startswith("drip "):
        count, every_ms = (int(n) for n in text.split()[1:3])
        for i in range(count):
            await reply.stream_token(f"d{i} ")
            await cl.sleep(every_ms / 1000)
    elif text.startswith("wide "):
        count, kib = (int(n) for n in text.split()[1:3])
        for i in range(count):
            await reply.stream_token(f"<{i}>" + "x" * (kib * 1024))
    elif text.startswith("busy "):
        for i in range(int(text.split()[1])):
            time.sleep(0.04)  # noqa: ASYNC251 - holds the loop on purpose, as a busy server does
            await reply.stream_token(f"b{i} ")
            if i % 5 == 4:
                await cl.sleep(0)  # the loop gets a turn now and then
    else:
        for token in re.findall(r"\S+\s*", echo_of(text)):
            await reply.stream_token(token)
            await cl.sleep(0.005)
    await reply.send()

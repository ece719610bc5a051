"""The default assistant: works offline and shows what the chat can do.

Commands: "long" streams a long markdown answer, "echo TEXT" repeats TEXT,
"stream N" streams N tokens as fast as it can, "count" counts in the user session.
Anything else is echoed back, streamed word by word.
"""

import os
import re

import chat.sdk as cl

LONG_ANSWER = """# A tour of what streams

Answers arrive **token by token**, and once complete they are rendered as markdown.

## Lists
1. Sign in with your company account.
2. Ask a question; the answer streams in.
3. Press **Stop** at any time: what was written so far is kept.

- Reload the page mid-answer and it carries on.
- Close the tab and come back: the conversation is stored.

## A table

| Feature | Where it lives |
|---|---|
| Streaming | websocket, htmx out-of-band swaps |
| History | the database |
| Review | the Django admin |

## Code

```python
import chat.sdk as cl

@cl.on_message
async def on_message(message: cl.Message):
    msg = cl.Message(content="")
    async for token in llm_stream(message.content):
        await msg.stream_token(token)
    await msg.update()
```

> Everything the model or a user writes is sanitised: no script survives.

That is the end of the tour. Type **long** again to watch it stream once more.
"""

GREETING = (
    "Hello! I am the offline demo assistant. Type **long** to watch a long answer stream "
    "(press **Stop** to cut it short), or write anything and I will echo it back."
)


def tokens_of(text: str) -> list[str]:
    """Splits text into word-sized tokens that keep their spacing, as an LLM streams it."""
    return re.findall(r"\s*\S+|\s+", text)


async def stream_text(text: str, delay: float) -> None:
    msg = cl.Message(content="")
    for token in tokens_of(text):
        await msg.stream_token(token)
        await cl.sleep(delay)
    await msg.update()


@cl.on_chat_start
async def start() -> None:
    cl.user_session.set("history", [])
    await cl.Message(content=GREETING).send()


@cl.on_chat_resume
async def resume(thread: dict) -> None:
    # Rebuild what on_chat_start would have prepared, from the stored thread.
    history = [step["output"] for step in thread["steps"] if step["type"] == "user_message"]
    cl.user_session.set("history", history)


@cl.on_message
async def on_message(message: cl.Message) -> None:
    text = message.content.strip()
    history = cl.user_session.get("history")
    if history is None:
        history = []
        cl.user_session.set("history", history)
    history.append(text)

    if text.lower() in {"long", "markdown", "demo"}:
        await stream_text(LONG_ANSWER, delay=0.03)
        return
    if text.startswith("echo "):
        await cl.Message(content=text[len("echo ") :]).send()
        return
    if text.startswith("stream "):
        count = int(text.split()[1]) if text.split()[1].isdigit() else 0
        msg = cl.Message(content="")
        for i in range(count):
            await msg.stream_token(f"tok{i} ")
        await msg.update()
        return
    if text == "count":
        await cl.Message(content=f"You have sent {len(history)} messages here.").send()
        return
    if text == "pid":
        await cl.Message(content=str(os.getpid())).send()
        return
    await stream_text(f"You said: {text}", delay=0.02)

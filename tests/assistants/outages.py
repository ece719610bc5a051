"""An assistant for the tests that take Redis or the database away from real processes.

Commands: "stream N [DELAY]" streams N numbered tokens; "ask" asks for a name and says
what it got; "report N [DELAY]" enqueues a job that streams N parts; anything else is
echoed.
"""

import chat.sdk as cl


def tokens(count: int) -> str:
    """The text a stream of `count` tokens ends with."""
    return "".join(f"tok{i} " for i in range(count))


@cl.job
async def write_report(parts: int, delay: float = 0.05) -> None:
    msg = cl.Message(content="")
    for i in range(parts):
        await msg.stream_token(f"part{i} ")
        await cl.sleep(delay)
    await msg.send()
    await cl.Message(content="report done").send()


@cl.on_message
async def on_message(message: cl.Message) -> None:
    command, _, rest = message.content.strip().partition(" ")
    if command == "stream":
        count, _, delay = rest.partition(" ")
        msg = cl.Message(content="")
        for i in range(int(count)):
            await msg.stream_token(f"tok{i} ")
            await cl.sleep(float(delay or 0.02))
        await msg.send()
    elif command == "ask":
        answer = await cl.AskUserMessage(content="What is your name?", timeout=60).send()
        name = answer["output"] if answer else "nothing"
        await cl.Message(content=f"you said: {name}").send()
    elif command == "report":
        parts, _, delay = rest.partition(" ")
        await write_report.enqueue(None, int(parts), float(delay or 0.05))
    else:
        await cl.Message(content=f"echo: {message.content}").send()

"""Jobs for the tests that run them on a real Celery worker (and across two instances).

Commands: "report N" enqueues a job that streams N words slowly; "flaky PATH" one that
fails the first time (it leaves PATH behind) and works when retried; "stream N" streams
an answer in the hook itself; "count" counts in the user session, which on_chat_resume
keeps across reconnects (and says how many times it ran).
"""

import os
from pathlib import Path

import chat.sdk as cl


@cl.job
async def write_report(words: int, delay: float = 0.05) -> None:
    await cl.Message(content=f"report from pid {os.getpid()}").send()
    msg = cl.Message(content="")
    for i in range(words):
        await msg.stream_token(f"part{i} ")
        await cl.sleep(delay)
    await msg.send()
    await cl.Message(content="report done").send()


def first_time(marker: str) -> bool:
    path = Path(marker)
    if path.exists():
        return False
    path.write_text("failed once")
    return True


@cl.job
async def flaky(marker: str) -> None:
    if first_time(marker):
        await cl.Message(content="flaky starts").send()
        raise RuntimeError("the report generator broke")
    await cl.Message(content="flaky worked this time").send()


@cl.on_chat_resume
async def resume(thread: dict) -> None:
    cl.user_session.set("resumes", (cl.user_session.get("resumes") or 0) + 1)


@cl.on_message
async def on_message(message: cl.Message) -> None:
    text = message.content.strip()
    command, _, rest = text.partition(" ")
    if command == "report":
        words, _, delay = rest.partition(" ")
        await write_report.enqueue(None, int(words), float(delay or 0.05))
        await cl.Message(content="report queued").send()
    elif command == "flaky":
        await flaky.enqueue(None, rest)
        await cl.Message(content="flaky queued").send()
    elif command == "stream":
        msg = cl.Message(content="")
        for i in range(int(rest)):
            await msg.stream_token(f"tok{i} ")
            await cl.sleep(0.02)
        await msg.update()
    elif command == "count":
        count = (cl.user_session.get("count") or 0) + 1
        cl.user_session.set("count", count)
        resumes = cl.user_session.get("resumes") or 0
        await cl.Message(content=f"count={count} resumes={resumes} pid={os.getpid()}").send()
    else:
        await cl.Message(content=f"echo: {text}").send()


@cl.on_feedback
async def on_feedback(feedback: cl.types.Feedback) -> None:
    # Where this runs shows in the thread: the worker's process id.
    await cl.Message(content=f"Feedback {feedback.value} seen by process {os.getpid()}").send()

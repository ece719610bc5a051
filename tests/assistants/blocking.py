"""Blocking code in hooks, as Chainlit apps run it: cl.make_async and cl.run_sync.

What the commands observe is kept in the user session under "seen".
"""

import asyncio
import threading
import time

import chat.sdk as cl


def seen(key: str, value) -> None:
    cl.user_session.get("seen")[key] = value


def blocking_add(a: int, b: int) -> int:
    """A blocking library call (an SDK without async), run in a worker thread."""
    time.sleep(0.05)
    seen("worker-thread", threading.get_ident())
    # The chat API from the worker thread: run_sync hands it to the chat's event loop.
    message = cl.run_sync(cl.Message(content=f"working on {a} + {b}").send())
    seen("run-sync-returned", type(message).__name__)
    seen("session-id-in-thread", cl.user_session.get("id"))
    return a + b


def wait_for_the_loop(event: threading.Event) -> bool:
    """Blocks until the event loop (still free) sets the event."""
    return event.wait(timeout=10)


def failing() -> None:
    raise LookupError("no such record")


@cl.on_chat_start
async def start():
    cl.user_session.set("seen", {})


@cl.on_message
async def on_message(message: cl.Message):
    command = message.content
    seen("loop-thread", threading.get_ident())

    if command == "add":
        total = await cl.make_async(blocking_add)(2, b=3)
        await cl.Message(content=f"total {total}").send()
    elif command == "loop-free":
        event = threading.Event()

        async def set_soon():
            await asyncio.sleep(0.05)
            event.set()

        setter = asyncio.ensure_future(set_soon())
        done = await cl.make_async(wait_for_the_loop)(event)
        await setter
        seen("loop-was-free", done)
        await cl.Message(content=f"loop free: {done}").send()
    elif command == "run-sync-on-loop":
        coroutine = cl.sleep(0)
        try:
            cl.run_sync(coroutine)
        except RuntimeError as error:
            seen("refused", str(error))
        finally:
            coroutine.close()
        await cl.Message(content="refused").send()
    elif command == "fail":
        try:
            await cl.make_async(failing)()
        except LookupError as error:
            seen("caught", str(error))
        await cl.Message(content="caught").send()
    elif command == "step-around-make-async":
        async with cl.Step(name="blocking work", type="tool") as step:
            step.output = str(await cl.make_async(blocking_add)(1, 1))
    else:
        await cl.Message(content=f"echo: {command}").send()

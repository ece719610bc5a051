"""Exercises the public API, one command per message, as a Chainlit app would.

A test may put an asyncio.Event under "gate" in the user session: the commands that
stream wait on it mid-answer, so the test can look at the thread while the answer streams.
"""

import json

import chat.sdk as cl


async def gate() -> None:
    event = cl.user_session.get("gate")
    if event is not None:
        await event.wait()


@cl.on_chat_start
async def start():
    cl.user_session.set("starts", cl.user_session.get("starts", 0) + 1)
    cl.user_session.set("notes", [])
    # Not JSON: kept for the life of the session, never saved with the thread.
    cl.user_session.set("client", object())


@cl.on_chat_resume
async def resume(thread):
    cl.user_session.set("resumed_with", [[s["type"], s["output"]] for s in thread["steps"]])
    cl.user_session.set("resumed_thread", thread["id"])


@cl.on_stop
async def stopped():
    cl.user_session.set("stopped", True)


@cl.on_chat_end
async def end():
    cl.user_session.set("ended", True)


@cl.on_message
async def on_message(message: cl.Message):
    text = message.content
    command, _, argument = text.partition(" ")

    if command == "stream-then-send":
        msg = cl.Message(content="")
        await msg.stream_token("Hello")
        await gate()
        await msg.stream_token(" world")
        await msg.send()
    elif command == "same-id":
        # An app that reuses a message's id: the second cannot be stored.
        first = await cl.Message(content="first").send()
        await cl.Message(content="second", id=first.id).send()
        await cl.Message(content="third").send()
    elif command == "update":
        msg = await cl.Message(content="draft").send()
        msg.content = "**final**"
        await msg.update()
    elif command == "remove":
        msg = await cl.Message(content="temporary").send()
        await msg.remove()
        await cl.Message(content="after remove").send()
    elif command == "sequence":
        msg = cl.Message(content="")
        await msg.stream_token("first")
        await msg.stream_token("second", is_sequence=True)
        await msg.stream_token(" third")
        await msg.send()
    elif command == "slow":
        msg = cl.Message(content="")
        for i in range(int(argument)):
            await msg.stream_token(f"s{i} ")
            await cl.sleep(0.02)
        await gate()
        await msg.send()
    elif command == "quick":
        msg = cl.Message(content="")
        for i in range(int(argument)):
            await msg.stream_token(f"q{i} ")
        await gate()
        await msg.send()
    elif command == "remember":
        # Changed in place: the session must keep the change without a set().
        cl.user_session.get("notes").append(argument)
        await cl.Message(content="noted").send()
    elif command == "recall":
        await cl.Message(content=json.dumps(cl.user_session.get("notes"))).send()
    elif command == "whoami":
        user = cl.user_session.get("user")
        await cl.Message(
            content=json.dumps({"id": cl.user_session.get("id"), "user": user.identifier})
        ).send()
    elif command == "history":
        await cl.Message(content=json.dumps(cl.chat_context.to_openai())).send()
    elif command == "fail":
        raise RuntimeError("the model is down")
    elif command == "fail-mid-stream":
        msg = cl.Message(content="")
        await msg.stream_token("partial")
        raise RuntimeError("the connection dropped")
    elif command == "error":
        await cl.ErrorMessage(content="bad input").send()
    elif command == "hang":
        msg = cl.Message(content="")
        await msg.stream_token("partial")
        await cl.sleep(3600)
    else:
        await cl.Message(content=f"ok: {text}").send()

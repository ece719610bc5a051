"""Buttons and questions the ways a Chainlit app uses them, one command per message.

What the callbacks receive and what the questions return is kept in the user session
("clicks", "answers"), for the tests to read. A test may set "timeout" (seconds) in
the user session to make the questions give up quickly.
"""

from dataclasses import asdict
from pathlib import Path

import chat.sdk as cl


def record(key: str, value) -> None:
    cl.user_session.get(key).append(value)


def read(path: str) -> str:
    return Path(path).read_text()


def timeout() -> float:
    return cl.user_session.get("timeout") or 30


@cl.on_chat_start
async def start():
    cl.user_session.set("clicks", [])
    cl.user_session.set("answers", [])


@cl.on_chat_resume
async def resume(thread):
    # A reconnect rebuilds the session; what was recorded comes back from the thread.
    for key in ("clicks", "answers"):
        if cl.user_session.get(key) is None:
            cl.user_session.set(key, [])


@cl.action_callback("pick")
async def on_pick(action: cl.Action):
    record(
        "clicks",
        {
            "name": action.name,
            "payload": action.payload,
            "label": action.label,
            "for_id": action.forId,
            "id": action.id,
        },
    )
    await cl.Message(content=f"picked {action.payload['n']}").send()


@cl.action_callback("once")
async def on_once(action: cl.Action):
    record("clicks", {"name": action.name, "payload": action.payload})
    await action.remove()
    await cl.Message(content="removed the button").send()


@cl.on_message
async def on_message(message: cl.Message):
    command = message.content

    if command == "buttons":
        await cl.Message(
            content="Choose:",
            actions=[
                cl.Action(name="pick", payload={"n": 1}, label="One", tooltip="the first"),
                cl.Action(name="pick", payload={"n": 2}, label="Two", icon="✌"),
                cl.Action(name="once", payload={"n": 3}, label="Only once"),
                cl.Action(name="nobody", payload={}, label="Unhandled"),
            ],
        ).send()
    elif command == "later-button":
        msg = await cl.Message(content="A button is coming").send()
        await cl.Action(name="pick", payload={"n": 9}, label="Late").send(for_id=msg.id)
    elif command == "ask-text":
        answer = await cl.AskUserMessage(content="What is your name?", timeout=timeout()).send()
        record("answers", answer)
        name = answer["output"] if answer else "nobody"
        await cl.Message(content=f"Hello {name}").send()
    elif command == "ask-file":
        files = await cl.AskFileMessage(
            content="Upload text files",
            accept=["text/plain", "text/csv"],
            max_files=2,
            max_size_mb=1,
            timeout=timeout(),
        ).send()
        if files is None:
            record("answers", None)
            await cl.Message(content="No file").send()
            return
        record(
            "answers",
            [{**asdict(f), "text": read(f.path), "class": type(f).__name__} for f in files],
        )
        await cl.Message(content="Got " + ", ".join(f.name for f in files)).send()
    elif command == "ask-action":
        answer = await cl.AskActionMessage(
            content="Continue?",
            actions=[
                cl.Action(name="continue", payload={"value": "yes"}, label="✅ Continue"),
                cl.Action(name="cancel", payload={"value": "no"}, label="❌ Cancel"),
            ],
            timeout=timeout(),
        ).send()
        record("answers", answer)
        choice = answer["payload"]["value"] if answer else "none"
        await cl.Message(content=f"Chose {choice}").send()
    elif command == "ask-then-remove":
        question = cl.AskActionMessage(
            content="Keep this?",
            actions=[cl.Action(name="keep", payload={"value": "no"}, label="No")],
            timeout=timeout(),
        )
        answer = await question.send()
        await question.remove()
        await cl.Message(content=f"Removed after {answer['name'] if answer else 'none'}").send()
    elif command == "buttons-then-none":
        message = cl.Message(
            content="Too late to choose",
            actions=[
                cl.Action(name="pick", payload={"n": 1}, label="One"),
                cl.Action(name="pick", payload={"n": 2}, label="Two"),
            ],
        )
        await message.send()
        await message.remove_actions()
    elif command == "ask-raise":
        try:
            await cl.AskUserMessage(
                content="Quick!", timeout=timeout(), raise_on_timeout=True
            ).send()
        except TimeoutError as error:
            record("answers", f"raised {type(error).__name__}")
    else:
        await cl.Message(content=f"echo: {command}").send()

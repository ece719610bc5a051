"""Reads the files a user sends with a message, as a Chainlit app does (message.elements).

What it received is kept in the user session under "received", for the tests to read.
"""

from pathlib import Path

import chat.sdk as cl


def read(path: str) -> str:
    return Path(path).read_bytes().decode("utf-8", "replace")


@cl.on_chat_start
async def start():
    cl.user_session.set("received", [])


@cl.on_message
async def on_message(message: cl.Message):
    files = [
        {
            "class": type(element).__name__,
            "id": element.id,
            "name": element.name,
            "mime": element.mime,
            "path": element.path,
            "text": read(element.path),
        }
        for element in message.elements
    ]
    cl.user_session.get("received").append({"content": message.content, "files": files})
    names = ", ".join(f["name"] for f in files) or "no files"
    await cl.Message(content=f"{message.content or '(no text)'}: {names}").send()

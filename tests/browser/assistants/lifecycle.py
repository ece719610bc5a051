"""Writes down when the server process starts and stops (CHAT_TEST_LIFECYCLE_FILE)."""

import os

import chat.sdk as cl

RECORD = os.environ["CHAT_TEST_LIFECYCLE_FILE"]


def note(word: str) -> None:
    with open(RECORD, "a") as record:
        record.write(f"{word} {os.getpid()}\n")


@cl.on_app_startup
async def startup():
    note("startup")


@cl.on_app_shutdown
def shutdown():
    note("shutdown")


@cl.on_message
async def on_message(message: cl.Message):
    await cl.Message(content=f"You said: {message.content}").send()

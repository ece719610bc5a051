"""Puts what the user wrote into every kind of thing the chat shows: the answer (streamed
token by token, then final markdown), a step's name, input and output, elements' names
and contents (inline and side text, a file, an image), buttons' labels and tooltips, and
on request questions and settings. A browser test writes XSS payloads; none may run."""

import base64
import re

import chat.sdk as cl
from chat.sdk.input_widget import TextInput
from tests.security.xss_corpus import PAYLOADS

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg=="
)
# Payloads to ask with: a question's text and its buttons carry them too.
ASKED = "\n\n".join(PAYLOADS)


@cl.on_chat_start
async def start():
    await cl.ChatSettings([TextInput(id="note", label="Note", initial="")]).send()


@cl.on_settings_update
async def settings_saved(values: dict):
    await cl.Message(content=f"note = {values['note']}").send()


@cl.action_callback("echo")
async def clicked(action: cl.Action):
    await cl.Message(content=f"clicked {action.payload['text']}").send()


async def ask() -> None:
    answer = await cl.AskUserMessage(content=ASKED, timeout=120).send()
    await cl.Message(content=f"answered {answer['output'] if answer else None}").send()
    choice = await cl.AskActionMessage(
        content=ASKED,
        actions=[
            cl.Action(name="pick", payload={"n": n}, label=p[:100], tooltip=p)
            for n, p in enumerate(PAYLOADS[:20])
        ],
        timeout=120,
    ).send()
    await cl.Message(content=f"chose {choice.get('label') if choice else None}").send()


@cl.on_message
async def on_message(message: cl.Message):
    text = message.content
    if text == "ask":
        await ask()
        return
    names = ", ".join(element.name for element in message.elements or [])
    async with cl.Step(name=text[:200], type="tool") as step:
        step.input = text
        step.output = f"{text}\n\n{names}"
    reply = cl.Message(
        content="",
        elements=[
            cl.Text(name=text[:255], content=text, display="inline"),
            cl.Text(name=f"side {text}"[:255], content=text, display="side"),
            cl.File(name=text[:255] or "empty", content=text.encode(), mime="text/plain"),
            cl.Image(name=f"image {text}"[:255], content=PNG, display="inline"),
        ],
        actions=[cl.Action(name="echo", payload={"text": text}, label=text, tooltip=text)],
    )
    for token in re.findall(r"\s*\S+", text):
        await reply.stream_token(token)
        await cl.sleep(0.002)
    await reply.send()

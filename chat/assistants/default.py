"""The default assistant: works offline and shows what the chat can do.

Commands: "demo" walks through steps, elements, actions and questions (see `tour.py`);
"long" streams a long markdown answer; "job" starts long work that survives the tab;
"echo TEXT" repeats TEXT; "count" counts in the user session. Anything else is echoed back,
word by word. It also shows chat profiles ("Standard", "Brief"), starters, a settings panel
(tone, typing speed, streaming) and the composer's commands ("/shout", "/reverse").
It listens, and may answer aloud (see `voice.py`). Files sent with a message are named;
documents among them (txt, md, html, pdf, docx) are read in the background, and from then
on questions are answered from them, quoting the best passages and citing each as a source
in the side panel (see `documents.py`).

With a model configured (CHAT_LLM_MODEL and the other CHAT_LLM_* settings), the model
answers every message instead, with tools and cited sources: see `model.py` beside this.
The demo's profiles, settings, commands and starters would do nothing then, so none of
them is offered; only starters a model can answer are.
"""

import chat.sdk as cl
from chat import llm
from chat.assistants import model, voice
from chat.assistants.documents import answer_from_documents
from chat.assistants.tour import LONG_ANSWER, slow_report, stream_text, tour
from chat.sdk.input_widget import Select, Slider, Switch, Tags

GREETING = (
    "Hello! I am the offline demo assistant. Type **demo** for a tour of what I can show "
    "(steps, charts, tables, files, buttons, questions), **long** to watch a long answer "
    "stream (press **Stop** to cut it short), or write anything and I will echo it back."
)

MODEL_GREETING = (
    "Hello! Ask me anything. I can tell the time, and answer from documents you attach "
    "with the paperclip, citing the passages I use."
)

PROFILES = [
    cl.ChatProfile(
        name="Standard",
        markdown_description="The full demo: streamed answers, steps, elements, questions.",
        default=True,
    ),
    cl.ChatProfile(
        name="Brief",
        markdown_description="Short answers, sent **in one piece** instead of streamed.",
        starters=[
            cl.Starter(label="Echo a line", message="echo Brief and to the point."),
            cl.Starter(label="Count my messages", message="count"),
        ],
    ),
]

MODEL_STARTERS = [
    cl.Starter(label="What time is it?", message="What time is it?", icon="clock"),
    cl.Starter(label="What can you do?", message="What can you help me with?", icon="sparkles"),
]

STARTERS = [
    cl.Starter(label="Take the tour", message="demo", icon="compass"),
    cl.Starter(label="Stream a long answer", message="long", icon="file-text"),
    cl.Starter(label="Say it loudly", message="hello there", command="shout", icon="megaphone"),
]

COMMANDS = [
    {
        "id": "shout",
        "description": "Answer in capital letters",
        "button": True,
        "persistent": False,
    },
    {
        "id": "reverse",
        "description": "Answer with the words in reverse order (stays on)",
        "button": False,
        "persistent": True,
    },
]


def settings_widgets() -> list:
    return [
        Select(
            id="tone",
            label="Tone",
            values=["plain", "friendly", "formal"],
            initial_index=0,
            description="How the echo is introduced.",
        ),
        Slider(id="speed", label="Typing speed", initial=5, min=1, max=10, step=1),
        Switch(id="stream", label="Stream answers", initial=True),
        Tags(id="topics", label="Topics", initial=[], values=["support", "sales"]),
    ]


@cl.on_mcp_connect
async def mcp_connected(connection, session) -> None:
    """The company's MCP servers (CHAT_MCP_SERVERS) connect to every chat; with a model,
    their tools are offered to it (model.py, mcp_tools.py)."""


@cl.set_chat_profiles
async def chat_profiles(user: cl.User, language: str | None = None) -> list:
    # The profiles, like the settings and commands, shape the demo's answers: a model
    # answers without them, so with one they are not offered.
    return [] if llm.configured() else PROFILES


@cl.set_starters
async def starters(user: cl.User, language: str | None = None) -> list:
    return MODEL_STARTERS if llm.configured() else STARTERS


@cl.on_settings_update
async def settings_changed(settings: dict) -> None:
    shown = ", ".join(f"{key} = {value}" for key, value in settings.items())
    await cl.Message(content=f"Settings updated: {shown}.").send()


async def offer_settings_and_commands() -> None:
    # With a model, none: a chat begun with the demo loses its panel and commands too.
    demo = not llm.configured()
    await cl.ChatSettings(settings_widgets() if demo else []).send()
    await cl.context.emitter.set_commands(COMMANDS if demo else [])


@cl.on_chat_start
async def start() -> None:
    cl.user_session.set("history", [])
    await offer_settings_and_commands()
    await cl.Message(content=MODEL_GREETING if llm.configured() else GREETING).send()


@cl.on_chat_resume
async def resume(thread: dict) -> None:
    # Rebuild what on_chat_start would have prepared, from the stored thread.
    history = [step["output"] for step in thread["steps"] if step["type"] == "user_message"]
    cl.user_session.set("history", history)
    # The panel and the commands are kept with the thread; offering them again is harmless
    # and brings back the saved settings.
    await offer_settings_and_commands()


async def job() -> None:
    await slow_report.enqueue(None, 3)
    await cl.Message(content="A job is writing a report; it goes on if you leave.").send()


async def count() -> None:
    history = cl.user_session.get("history") or []
    await cl.Message(content=f"You have sent {len(history)} messages here.").send()


# What the demo does for a message that is exactly one of these words.
DEMO_COMMANDS = {
    "demo": tour,
    "/demo": tour,
    "tour": tour,
    "long": lambda: stream_text(LONG_ANSWER, delay=0.03),
    "markdown": lambda: stream_text(LONG_ANSWER, delay=0.03),
    "job": job,
    "count": count,
}


def remember(text: str) -> None:
    history = cl.user_session.get("history")
    if history is None:
        history = []
        cl.user_session.set("history", history)
    history.append(text)


async def read_files(message: cl.Message) -> None:
    """Documents are read in the background, under one message for all of them."""
    if not await cl.rag.ingest(message.elements):
        names = ", ".join(f"**{e.name}**" for e in message.elements)
        await cl.Message(content=f"You sent {names}.").send()


@cl.on_message
async def on_message(message: cl.Message) -> None:
    text = message.content.strip()
    remember(text)
    if message.elements:
        await read_files(message)
        if not text:
            return
    if llm.configured():
        # With a model configured (CHAT_LLM_*), it answers everything.
        await model.answer()
    elif text.lower() in DEMO_COMMANDS:
        await DEMO_COMMANDS[text.lower()]()
    elif text.startswith("echo "):
        await cl.Message(content=text[len("echo ") :]).send()
    elif not await answer_from_documents(text):
        await answer(f"You said: {styled(text, message.command)}")


def styled(text: str, command: str | None) -> str:
    """What the composer's commands and the "tone" setting do to an echo."""
    if command == "shout":
        text = text.upper()
    elif command == "reverse":
        text = " ".join(reversed(text.split()))
    return text


async def answer(text: str) -> None:
    """In the tone the settings ask for; streamed, unless the "Brief" profile or the
    "stream" setting says otherwise."""
    settings = cl.user_session.get("chat_settings") or {}
    tone = settings.get("tone", "plain")
    text = {"friendly": "Happy to help! ", "formal": "Certainly. "}.get(tone, "") + text
    if cl.user_session.get("chat_profile") == "Brief" or settings.get("stream") is False:
        await cl.Message(content=text).send()
        return
    speed = settings.get("speed", 5)
    await stream_text(text, delay=0.1 / max(1, speed))


# Spoken questions are answered as typed ones (see voice.py: when it can hear).
voice.listen(on_message)

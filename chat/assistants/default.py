"""The default assistant: works offline and shows what the chat can do.

Commands: "demo" walks through steps, elements, actions and questions; "long" streams a
long markdown answer; "echo TEXT" repeats TEXT; "stream N" streams N tokens as fast as it
can; "count" counts in the user session. Anything else is echoed back, word by word.
It also shows chat profiles ("Standard", "Brief"), starters, a settings panel (tone,
typing speed, streaming) and the composer's commands ("/shout", "/reverse").
Files sent with a message are named; documents among them (txt, md, html, pdf, docx)
are read in the background, and from then on questions are answered from them, quoting
the best passages and citing each as a source in the side panel.

With a model configured (CHAT_LLM_MODEL and the other CHAT_LLM_* settings), the model
answers every message instead, with tools and cited sources: see `model.py` beside this.
The demo's profiles, settings, commands and starters would do nothing then, so none of
them is offered; only starters a model can answer are.
"""

import os
import re

import chat.sdk as cl
from chat import llm
from chat.assistants import model

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
    "Hello! I am the offline demo assistant. Type **demo** for a tour of what I can show "
    "(steps, charts, tables, files, buttons, questions), **long** to watch a long answer "
    "stream (press **Stop** to cut it short), or write anything and I will echo it back."
)

MODEL_GREETING = (
    "Hello! Ask me anything. I can tell the time, and answer from documents you attach "
    "with the paperclip, citing the passages I use."
)

SQL = "SELECT team, count(*) AS tickets\nFROM support\nGROUP BY team\nORDER BY tickets DESC;"


@cl.step(type="tool", name="search_documents")
async def search_documents(query: str) -> list[str]:
    await cl.sleep(0.4)
    return [f"Handbook, section 3: {query}", f"FAQ: {query}"]


@cl.step(type="tool", name="run_sql")
async def run_sql(sql: str) -> dict:
    await cl.sleep(0.3)
    return {"rows": [["Support", 42], ["Sales", 17]]}


@cl.step(type="run", name="plan_answer")
async def plan_answer(question: str) -> str:
    found = await search_documents(question)
    await run_sql(SQL)
    async with cl.Step(name="reasoning", type="llm") as thinking:
        for token in tokens_of("Two sources agree, and the numbers back them up."):
            await thinking.stream_token(token)
            await cl.sleep(0.04)
    return f"{len(found)} sources found"


def rich_elements() -> list:
    elements = [
        cl.Text(name="notes", content="Shown **aside**, in a side panel.", display="side"),
        cl.Text(name="query.sql", content=SQL, language="sql"),
        cl.File(name="report.csv", content="team,tickets\nSupport,42\nSales,17\n"),
    ]
    missing = []
    try:
        import plotly.graph_objects as go

        figure = go.Figure(data=[go.Bar(x=["Support", "Sales"], y=[42, 17])])
        elements.append(cl.Plotly(name="tickets chart", figure=figure))
    except ImportError:
        missing.append("plotly")
    try:
        import pandas as pd

        frame = pd.DataFrame({"team": ["Support", "Sales"], "tickets": [42, 17]})
        elements.append(cl.Dataframe(name="tickets table", data=frame))
    except ImportError:
        missing.append("pandas")
    if missing:
        # Said in the chat, not skipped: a tour that silently lacks them looks broken.
        elements.append(
            cl.Text(
                name="charts and tables",
                content=(
                    f"A chart and a table would show here, but {' and '.join(missing)} "
                    f"{'are' if len(missing) > 1 else 'is'} not installed. Install the "
                    "`elements` extra, "
                    '`.venv/bin/pip install -e ".[elements]"`, and restart.'
                ),
                display="inline",
            )
        )
    return elements


@cl.action_callback("thumbs")
async def on_thumbs(action: cl.Action) -> None:
    await cl.Message(content=f"You clicked **{action.label}** (payload {action.payload}).").send()
    await action.remove()


@cl.job
async def slow_report(sections: int) -> None:
    """Long work on a worker: it goes on when the tab closes, and shows its progress."""
    tasks = cl.TaskList(status="Writing the report…")
    items = [cl.Task(title=f"Section {n}") for n in range(1, sections + 1)]
    for item in items:
        await tasks.add_task(item)
    await tasks.send()
    for number, item in enumerate(items, start=1):
        item.status = cl.TaskStatus.RUNNING
        await tasks.send()
        msg = cl.Message(content="")
        for token in tokens_of(f"Section {number}: everything in order, nothing to report. "):
            await msg.stream_token(token)
            await cl.sleep(0.05)
        await msg.send()
        item.status = cl.TaskStatus.DONE
    tasks.status = "Report done"
    await tasks.send()


def excerpt(text: str, words: list[str], width: int = 320) -> str:
    """The part of a passage around its first match, cut at words, as a quote."""
    lowered = text.lower()
    hits = [lowered.find(w) for w in words if lowered.find(w) != -1]
    at = min(hits) if hits else 0
    start = max(0, at - width // 3)
    end = min(len(text), start + width)
    start = text.rfind(" ", 0, start) + 1 if start else 0
    if end < len(text):
        end = text.rfind(" ", start, end) if text.rfind(" ", start, end) > start else end
    quoted = " ".join(text[start:end].split())
    return ("…" if start else "") + quoted + ("…" if end < len(text) else "")


async def answer_from_documents(question: str) -> bool:
    """Answers from the user's documents, if they have any here; False if they have none."""
    documents = await cl.rag.documents()
    if not documents:
        return False
    if not any(d.status == "ready" for d in documents):
        if any(d.status in ("queued", "processing") for d in documents):
            await cl.Message(
                content="Your documents are still being read; ask me again soon."
            ).send()
            return True
        return False
    async with cl.Step(name="search_documents", type="retrieval") as step:
        step.input = question
        passages = await cl.rag.search(question, k=3)
        step.output = "\n".join(f"{p.name}: {p.score:.3f}" for p in passages) or "nothing found"
    if not passages:
        names = ", ".join(f"**{d.name}**" for d in documents if d.status == "ready")
        await cl.Message(content=f"I found nothing about that in {names}.").send()
        return True
    words = [w for w in re.findall(r"\w+", question.lower()) if len(w) > 3]
    parts = ["Here is what your documents say:"]
    for passage in passages:
        parts.append(f"> {excerpt(passage.text, words)}\n\nSource: {passage.name}")
    await cl.Message(
        content="\n\n".join(parts), elements=[p.to_element("side") for p in passages]
    ).send()
    return True


async def tour() -> None:
    tasks = cl.TaskList(status="Touring…")
    steps_task = cl.Task(title="Show steps", status=cl.TaskStatus.RUNNING)
    elements_task = cl.Task(title="Show elements")
    questions_task = cl.Task(title="Ask questions")
    for task in (steps_task, elements_task, questions_task):
        await tasks.add_task(task)
    await tasks.send()

    summary = await plan_answer("How many tickets per team?")
    await cl.Message(content=f"Steps above show how I worked it out ({summary}).").send()
    steps_task.status = cl.TaskStatus.DONE
    elements_task.status = cl.TaskStatus.RUNNING
    await tasks.send()

    await cl.Message(
        content="Here is what elements look like. Open the notes from their name.",
        elements=rich_elements(),
    ).send()
    await cl.Message(
        content="Buttons run Python callbacks:",
        actions=[
            cl.Action(name="thumbs", payload={"liked": True}, label="Looks good"),
            cl.Action(name="thumbs", payload={"liked": False}, label="Not yet"),
        ],
    ).send()
    elements_task.status = cl.TaskStatus.DONE
    questions_task.status = cl.TaskStatus.RUNNING
    await tasks.send()

    name = await cl.AskUserMessage(content="What should I call you?", timeout=300).send()
    who = name["output"] if name else "friend"
    choice = await cl.AskActionMessage(
        content=f"Nice to meet you, {who}. Shall I ask for a file too?",
        actions=[
            cl.Action(name="yes", payload={"file": True}, label="Yes, ask for a file"),
            cl.Action(name="no", payload={"file": False}, label="No, thanks"),
        ],
        timeout=300,
    ).send()
    if choice and choice["payload"].get("file"):
        files = await cl.AskFileMessage(
            content="Upload a text or PDF file (up to 5 MB).",
            accept=["text/plain", "text/markdown", "application/pdf"],
            max_size_mb=5,
            timeout=300,
        ).send()
        if files:
            await cl.Message(content=f"Got **{files[0].name}**: {files[0].size} bytes.").send()
    questions_task.status = cl.TaskStatus.DONE
    tasks.status = "Done"
    await tasks.send()
    await cl.Message(content="That was the tour. Type **long** for a long streamed answer.").send()


def tokens_of(text: str) -> list[str]:
    """Splits text into word-sized tokens that keep their spacing, as an LLM streams it."""
    return re.findall(r"\s*\S+|\s+", text)


async def stream_text(text: str, delay: float) -> None:
    msg = cl.Message(content="")
    for token in tokens_of(text):
        await msg.stream_token(token)
        await cl.sleep(delay)
    await msg.update()


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
    cl.Starter(label="What time is it?", message="What time is it?"),
    cl.Starter(label="What can you do?", message="What can you help me with?"),
]

STARTERS = [
    cl.Starter(label="Take the tour", message="demo"),
    cl.Starter(label="Stream a long answer", message="long"),
    cl.Starter(label="Say it loudly", message="hello there", command="shout"),
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
    from chat.sdk.input_widget import Select, Slider, Switch, Tags

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


@cl.on_message
async def on_message(message: cl.Message) -> None:
    text = message.content.strip()
    history = cl.user_session.get("history")
    if history is None:
        history = []
        cl.user_session.set("history", history)
    history.append(text)

    if message.elements:
        # Documents are read in the background, under one message for all of them.
        if not await cl.rag.ingest(message.elements):
            names = ", ".join(f"**{e.name}**" for e in message.elements)
            await cl.Message(content=f"You sent {names}.").send()
        if not text:
            return
    if llm.configured():
        # With a model configured (CHAT_LLM_*), it answers everything.
        await model.answer()
        return
    if text.lower() in {"demo", "/demo", "tour"}:
        await tour()
        return
    if text.lower() == "job":
        await slow_report.enqueue(None, 3)
        await cl.Message(content="A job is writing a report; it goes on if you leave.").send()
        return
    if text.lower() in {"long", "markdown"}:
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
    if await answer_from_documents(text):
        return
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

"""The demo tour of the default assistant: steps, elements, buttons, questions, a job.

"demo" runs `tour()`, "long" streams `LONG_ANSWER`, "job" enqueues `slow_report`. Each shows
one part of the public API as an app would use it; none needs a model or the network.
"""

import re

import chat.sdk as cl

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
            cl.Action(name="thumbs", payload={"liked": True}, label="Looks good", icon="thumbs-up"),
            cl.Action(name="thumbs", payload={"liked": False}, label="Not yet", icon="thumbs-down"),
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

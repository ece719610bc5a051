"""A data-analysis assistant written as a Chainlit app: load a table (a sample or your
CSV), then ask for a chart, statistics or a report.

A Chainlit app: only `import chainlit as cl` became `import chat.sdk as cl` (and
`chainlit.types` became `chat.sdk.types`).
"""

import io
import json
import time

import pandas as pd
import plotly.graph_objects as go

import chat.sdk as cl
from chat.sdk.types import ThreadDict

LOGO = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff"
    b"\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)
REPORT_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SAMPLE_CSV = "region,sales\nNorth,120\nSouth,80\nEast,150\nWest,95\nNorth,30\n"


def load_sample(report_progress: bool) -> pd.DataFrame:
    """A blocking loader (a database driver in a real app), run with cl.make_async."""
    if report_progress:
        cl.run_sync(cl.Message(content="Connecting to the warehouse...").send())
    time.sleep(0.05)
    return pd.read_csv(io.StringIO(SAMPLE_CSV))


def read_text(path: str) -> str:
    with open(path, encoding="utf-8") as handle:
        return handle.read()


@cl.step(type="tool")
async def aggregate(column: str) -> dict:
    df: pd.DataFrame = cl.user_session.get("df")
    return df.groupby("region")[column].sum().sort_values(ascending=False).to_dict()


@cl.step(type="tool", name="draw_chart")
def draw_chart(totals: dict) -> str:
    figure = go.Figure(data=[go.Bar(x=list(totals), y=list(totals.values()))])
    cl.user_session.set("figure", figure)
    return f"{len(totals)} bars"


@cl.step(type="tool", name="describe")
def describe(df: pd.DataFrame) -> dict:
    return {"rows": len(df), "total": int(df["sales"].sum()), "mean": float(df["sales"].mean())}


async def show_table(df: pd.DataFrame, source: str) -> None:
    cl.user_session.set("df", df)
    cl.user_session.set("source", source)
    await cl.Message(
        content=f"Loaded {len(df)} rows from {source}. Ask for a **chart**, **stats** or a "
        "**report**.",
        elements=[cl.Dataframe(name="table", data=df, display="inline")],
    ).send()


@cl.on_chat_start
async def start():
    cl.user_session.set("df", None)
    await cl.Message(
        content="Hi! I analyse tables. Load the sample sales data, or upload a CSV.",
        elements=[cl.Image(name="logo", content=LOGO, display="inline", size="small")],
        actions=[
            cl.Action(name="load_sample", payload={}, label="Load the sample"),
            cl.Action(name="upload_csv", payload={}, label="Upload a CSV"),
        ],
    ).send()


@cl.on_chat_resume
async def resume(thread: ThreadDict):
    # A data frame is not saved with the thread: load it again from where it came from.
    source = cl.user_session.get("source")
    if source == "the sample":
        cl.user_session.set("df", await cl.make_async(load_sample)(False))
    elif source:
        cl.user_session.set("df", pd.read_csv(io.StringIO(cl.user_session.get("csv"))))
    analyses = [s for s in thread["steps"] if s["type"] == "run" and s["name"] == "analysis"]
    cl.user_session.set("analyses", len(analyses))


@cl.action_callback("load_sample")
async def on_load_sample(action: cl.Action):
    tasks = cl.TaskList(status="Loading...")
    load = cl.Task(title="Load the sample", status=cl.TaskStatus.RUNNING)
    await tasks.add_task(load)
    await tasks.send()
    df = await cl.make_async(load_sample)(True)
    load.status = cl.TaskStatus.DONE
    tasks.status = "Loaded"
    await tasks.send()
    await show_table(df, "the sample")


@cl.action_callback("upload_csv")
async def on_upload_csv(action: cl.Action):
    files = await cl.AskFileMessage(
        content="Upload a CSV file with `region` and `sales` columns.",
        accept=["text/csv"],
        max_size_mb=1,
    ).send()
    if not files:
        return
    text = await cl.make_async(read_text)(files[0].path)
    cl.user_session.set("csv", text)
    df = await cl.make_async(pd.read_csv)(io.StringIO(text))
    await show_table(df, files[0].name)


@cl.on_message
async def on_message(message: cl.Message):
    df = cl.user_session.get("df")
    command = message.content.strip().lower()
    if df is None:
        await cl.Message(content="Load a table first, with the buttons above.").send()
        return

    if command == "chart":
        async with cl.Step(name="analysis", type="run") as run:
            run.input = message.content
            totals = await aggregate("sales")
            run.output = draw_chart(totals)
        cl.user_session.set("analyses", (cl.user_session.get("analyses") or 0) + 1)
        await cl.Message(
            content="Sales by region:",
            elements=[cl.Plotly(name="sales chart", figure=cl.user_session.get("figure"))],
        ).send()
    elif command == "stats":
        thinking = await cl.Message(content="Crunching the numbers...").send()
        stats = describe(df)
        await thinking.remove()
        await cl.Message(
            content=f"{stats['rows']} rows, {stats['total']} in total. Details in stats.",
            elements=[
                cl.Text(name="stats", content=json.dumps(stats), language="json", display="side")
            ],
        ).send()
    elif command == "report":
        await cl.Message(
            content="Your report is ready: report.pdf",
            elements=[cl.Pdf(name="report.pdf", content=REPORT_PDF, display="page")],
        ).send()
    elif command == "history":
        msg = cl.Message(content="")
        await msg.stream_token(f"{cl.user_session.get('analyses') or 0} analyses so far; ")
        await msg.stream_token(f"{len(cl.chat_context.to_openai())} messages in this chat.")
        await msg.send()
    else:
        await cl.Message(content="Ask for a chart, stats or a report.").send()

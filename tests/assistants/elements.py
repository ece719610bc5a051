"""Sends elements the ways a Chainlit app does, one command per message.

Tests put what a command needs in the user session: "path" (a file to send) and
"gate" (an asyncio.Event a command waits on mid-way).
"""

import chat.sdk as cl

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff"
    b"\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
REMOTE_IMAGE = "https://images.example.org/cat.png"


async def gate() -> None:
    event = cl.user_session.get("gate")
    if event is not None:
        await event.wait()


def every_kind() -> list[cl.Element]:
    import pandas as pd
    import plotly.graph_objects as go

    return [
        cl.Text(name="notes", content="Some **markdown** text"),
        cl.Text(name="snippet", content="print('hi')", language="python"),
        cl.Image(name="pixel", content=PNG),
        cl.File(name="report.txt", content=b"plain report"),
        cl.Pdf(name="paper", content=PDF, page=2),
        cl.Audio(name="sound.mp3", content=b"ID3\x03\x00\x00\x00\x00\x00\x00", mime="audio/mpeg"),
        cl.Video(name="clip.mp4", content=b"\x00\x00\x00\x18ftypmp42", mime="video/mp4"),
        cl.Plotly(name="chart", figure=go.Figure(data=[go.Bar(y=[2, 1, 3])])),
        cl.Dataframe(name="table", data=pd.DataFrame({"city": ["Oslo", "Lima"], "n": [1, 2]})),
    ]


@cl.on_message
async def on_message(message: cl.Message):
    command, _, argument = message.content.partition(" ")
    path = cl.user_session.get("path")

    if command == "all":
        await cl.Message(content="every kind", elements=every_kind()).send()
    elif command == "path":
        image = cl.Image(name="from disk", path=path)
        msg = await cl.Message(content="from a path", elements=[image]).send()
        await gate()
        # Sent again, as Chainlit apps do on update: the path is not read again.
        msg.content = "from a path, updated"
        await msg.update()
        await image.send(for_id=msg.id)
    elif command == "url":
        await cl.Message(
            content="from a url", elements=[cl.Image(name="remote cat", url=REMOTE_IMAGE)]
        ).send()
    elif command == "side":
        await cl.Message(
            content="Here is the cat image!",
            elements=[
                cl.Image(name="cat image", content=cl_png(), display="side"),
                cl.Text(name="unmentioned", content="aside", display="side"),
                cl.Pdf(name="the paper", content=PDF, display="page"),
            ],
        ).send()
    elif command == "later":
        msg = await cl.Message(content="text first").send()
        await cl.File(name="later.txt", content="late file").send(for_id=msg.id)
    elif command == "remove":
        msg = await cl.Message(content="with a file").send()
        file = cl.File(name="gone.txt", content="soon gone")
        await file.send(for_id=msg.id)
        await gate()
        await file.remove()
    elif command == "tasks":
        task_list = cl.TaskList(status="Running...")
        first = cl.Task(title="Fetch the data", status=cl.TaskStatus.RUNNING)
        second = cl.Task(title="Draw the chart")
        await task_list.add_task(first)
        await task_list.add_task(second)
        await task_list.send()
        await gate()
        first.status = cl.TaskStatus.DONE
        second.status = cl.TaskStatus.FAILED
        task_list.status = "Failed"
        await task_list.send()
    elif command == "table":
        import pandas as pd

        numbers = range(1, int(argument or 0) + 1)
        frame = pd.DataFrame({"n": numbers, "square": [i * i for i in numbers]})
        table = cl.Dataframe(name="squares", data=frame)
        await cl.Message(content="a table", elements=[table]).send()
    elif command == "step":
        async with cl.Step(name="draw", type="tool") as step:
            step.elements = [cl.Text(name="step note", content="inside the step")]
            step.output = "drawn"
    elif command == "stream":
        msg = cl.Message(content="", elements=[cl.File(name="streamed.txt", content="x")])
        await msg.stream_token("streaming ")
        await msg.send()
    elif command == "echo-files":
        # A user's uploads shown again in the answer: copies, the originals stay put.
        await cl.Message(content="your files", elements=message.elements).send()


def cl_png() -> bytes:
    return PNG

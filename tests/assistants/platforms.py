"""An assistant for the platform tests: echoes with the client type, streams, has buttons."""

import chat.sdk as cl

# A 1x1 PNG: an answer's picture.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000b49444154789c6360000200000500017a5eab3f0000000049454e44ae426082"
)


@cl.on_chat_start
async def start():
    cl.user_session.set("client_type_at_start", cl.user_session.get("client_type"))


@cl.on_message
async def on_message(message: cl.Message):
    text = message.content
    if text == "buttons":
        await cl.Message(
            content="Choose one:",
            actions=[
                cl.Action(name="pick", payload={"n": 1}, label="One"),
                cl.Action(name="pick", payload={"n": 2}, label="Two"),
            ],
        ).send()
        return
    if text.startswith("stream "):
        reply = cl.Message(content="")
        for i in range(int(text.split()[1])):
            await reply.stream_token(f"t{i} ")
            await cl.sleep(0.05)
        await reply.update()
        return
    if text == "what came before":
        said = " | ".join(f"{m['role']}: {m['content']}" for m in cl.chat_context.to_openai())
        await cl.Message(content=f"context: {said}").send()
        return
    if text == "what files":
        got = ", ".join(f"{e.name} ({e.mime})" for e in message.elements)
        await cl.Message(content=f"files: {got}").send()
        return
    if text == "file":
        await cl.Message(
            content="Here is a note.",
            elements=[cl.Text(name="note.txt", content="a line of the note")],
        ).send()
        return
    if text == "a report":
        await cl.Message(
            content="Here is the report.",
            elements=[
                cl.File(name="report.csv", content=b"region,total\nnorth,12\n", mime="text/csv")
            ],
        ).send()
        return
    if text == "what event":
        event = cl.user_session.get("slack_event") or cl.user_session.get("discord_message")
        await cl.Message(content=f"event: {event.get('ts') or event.get('id')}").send()
        return
    if text == "read the thread":
        history = await cl.user_session.get("fetch_slack_message_history")()
        await cl.Message(content="thread: " + " | ".join(m["text"] for m in history)).send()
        return
    if text == "a chart":
        await cl.Message(
            content="Here is the chart.",
            elements=[cl.Image(name="chart.png", content=PNG, mime="image/png")],
        ).send()
        return
    if text.startswith("a report of "):
        size = int(text.split()[-1])
        content = bytes(i % 251 for i in range(size))
        await cl.Message(
            content="Here is the big report.",
            elements=[cl.File(name="big.bin", content=content, mime="application/octet-stream")],
        ).send()
        return
    reply = cl.Message(content="")
    for word in f"echo from {cl.context.session.client_type}: {text}".split():
        await reply.stream_token(word + " ")
    await reply.update()


@cl.action_callback("pick")
async def on_pick(action: cl.Action):
    await cl.Message(content=f"picked {action.payload['n']}").send()

"""A research desk written as a Chainlit app: grouped starters on a new chat, and its
work shown as steps with Chainlit's display options (an icon, open at first, closed again
when done, the input shown or not).

A Chainlit app: only `import chainlit as cl` became `import chat.sdk as cl`.
"""

import chat.sdk as cl


@cl.set_starter_categories
async def starter_categories(user: cl.User | None = None):
    return [
        cl.StarterCategory(
            label="Research",
            icon="🔬",
            starters=[
                cl.Starter(label="Latest on batteries", message="research solid-state batteries"),
                cl.Starter(label="Compare two papers", message="research paper comparison"),
            ],
        ),
        cl.StarterCategory(
            label="Writing",
            icon="✍️",
            starters=[cl.Starter(label="Draft an abstract", message="write an abstract")],
        ),
    ]


@cl.step(type="tool", icon="🔎", default_open=True, show_input=False)
async def search_sources(topic: str) -> str:
    return f"3 sources about {topic}"


@cl.on_message
async def main(message: cl.Message):
    topic = message.content
    await search_sources(topic)
    # A long read: open while it runs, with a spinner, and closed again once done. It
    # waits for the reader's go-ahead, as an app waits on a slow service.
    async with cl.Step(name="read_sources", type="tool", icon="📚", auto_collapse=True) as read:
        read.input = {"topic": topic}
        go = await cl.AskUserMessage(content="Read all three sources?", timeout=60).send()
        read.output = f"read 3 sources ({go['output'] if go else 'no answer'})"
    await cl.Message(content=f"Here is what I found on: {topic}").send()

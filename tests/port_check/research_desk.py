"""A research desk written as a Chainlit app: grouped starters on a new chat, its work
shown as steps with Chainlit's display options (an icon, open at first, closed again when
done, the input shown or not), settings in tabs whose choices follow each other while
the user edits them, a picker in the composer for how deep to look, a reading list in the
side panel, and a tag on each conversation.

A Chainlit app: only `import chainlit as cl` became `import chat.sdk as cl` (and
`chainlit.input_widget` became `chat.sdk.input_widget`).
"""

import chat.sdk as cl
from chat.sdk.input_widget import DatePicker, Select, Switch, Tab

SOURCES = {"papers": ["arXiv", "PubMed"], "news": ["Reuters", "AP"]}


def settings_widgets(kind: str) -> list:
    return [
        Tab(
            id="sources",
            label="Sources",
            inputs=[
                Select(id="kind", label="Kind", values=list(SOURCES), initial_value=kind),
                Select(id="source", label="Source", values=SOURCES[kind], initial_index=0),
            ],
        ),
        Tab(
            id="period",
            label="Period",
            inputs=[
                DatePicker(id="since", label="Published since", initial="2026-01-01"),
                Switch(id="peer", label="Peer-reviewed only", initial=True),
            ],
        ),
    ]


@cl.on_chat_start
async def start():
    cl.user_session.set("kind", "papers")
    await cl.ChatSettings(settings_widgets("papers")).send()
    await cl.context.emitter.set_modes(
        [
            cl.Mode(
                id="depth",
                name="Depth",
                options=[
                    cl.ModeOption(id="quick", name="Quick", description="The first source"),
                    cl.ModeOption(id="thorough", name="Thorough", description="Every source"),
                ],
            )
        ]
    )


@cl.on_settings_edit
async def settings_edit(settings: dict):
    # The sources offered follow the kind chosen, before the user saves.
    if settings["kind"] != cl.user_session.get("kind"):
        cl.user_session.set("kind", settings["kind"])
        await cl.ChatSettings(settings_widgets(settings["kind"])).send()


@cl.on_settings_update
async def settings_update(settings: dict):
    await cl.Message(content=f"Searching {settings['source']} since {settings['since']}").send()


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
    if topic == "sources":
        # The reading list in the side panel, without a message.
        await cl.ElementSidebar.set_title("Reading list")
        await cl.ElementSidebar.set_elements(
            [
                cl.Text(name="Solid-state batteries", content="A **2026** review of 40 studies."),
                cl.Text(name="Query", content="battery AND solid-state", language="text"),
            ]
        )
        return
    # Labels the conversation: the sidebar shows them, and finds it by "tag:research".
    thread = cl.context.session.thread
    thread.tags = [*thread.tags, "research"]
    await search_sources(topic)
    # A long read: open while it runs, with a spinner, and closed again once done. It
    # waits for the reader's go-ahead, as an app waits on a slow service.
    async with cl.Step(name="read_sources", type="tool", icon="📚", auto_collapse=True) as read:
        read.input = {"topic": topic}
        go = await cl.AskUserMessage(content="Read all three sources?", timeout=60).send()
        read.output = f"read 3 sources ({go['output'] if go else 'no answer'})"
    depth = (message.modes or {}).get("depth")
    await cl.Message(content=f"Here is what I found on: {topic} (depth: {depth})").send()

"""Steps the ways a Chainlit app makes them, one command per message.

What a command sees while it runs (the current step, what a failing step raised) is
put in the user session under "seen", for the tests to read.
"""

import asyncio

import chat.sdk as cl


def seen(key: str, value) -> None:
    cl.user_session.get("seen")[key] = value


def current_id():
    step = cl.context.current_step
    return step.id if step is not None else None


@cl.step(type="tool")
async def search(query: str) -> str:
    seen(f"search-parent-{query}", current_id())
    await asyncio.sleep(0.01)
    return f"found {query}"


@cl.step(type="tool")
def count_words(text: str) -> int:
    """A sync step, called from the async hook."""
    seen("count-step", current_id())
    return len(text.split())


@cl.step(type="run", name="plan")
async def plan(question: str) -> dict:
    seen("plan-step", current_id())
    await search(question)
    words = count_words(question)
    return {"question": question, "words": words}


@cl.step(type="run", name="fan_out")
async def fan_out() -> str:
    seen("fan-out-step", current_id())
    results = await asyncio.gather(search("left"), search("right"))
    return " and ".join(results)


@cl.step(type="tool", name="broken_tool")
async def broken_tool() -> str:
    raise ValueError("the index is gone")


@cl.step(type="tool", name="broken_sync_tool")
def broken_sync_tool() -> str:
    raise KeyError("missing")


@cl.step(type="tool", show_input=False)
async def quiet(secret: str) -> None:
    return None


@cl.step(type="tool", default_open=True, icon="/static/chat/favicon.svg", show_input="text")
async def lookup(word: str) -> str:
    return f"looked up {word}"


@cl.step(type="run", name="answering")
async def answering(then: str) -> str:
    """Sends the answer from inside the step, then goes on as `then` says."""
    answer = cl.Message(content="answered inside")
    await answer.send()
    if then == "button":
        await cl.Action(name="again", label="Again").send(for_id=answer.id)
    elif then == "wait":
        await asyncio.sleep(0.01)  # working a while after the answer
    return "ok"


@cl.on_chat_start
async def start():
    cl.user_session.set("seen", {})


@cl.on_message
async def on_message(message: cl.Message):
    command = message.content
    seen("outside", current_id())

    if command == "nested":
        result = await plan("how many tickets")
        await cl.Message(content=f"planned {result['words']} words").send()
    elif command == "gather":
        await fan_out()
    elif command == "context":
        async with cl.Step(name="outer", type="run") as outer:
            seen("outer", outer.id)
            seen("in-outer", current_id())
            outer.input = "the question"
            async with cl.Step(name="inner", type="llm", language="python") as inner:
                seen("inner", inner.id)
                seen("in-inner", current_id())
                await asyncio.sleep(0.01)  # working a while: both are shown running first
                inner.output = "print('hi')"
            seen("back-in-outer", current_id())
            outer.output = "done"
        seen("after", current_id())
    elif command == "sync-context":
        with cl.Step(name="sync outer", type="run") as outer:
            seen("outer", outer.id)
            with cl.Step(name="sync inner", type="tool") as inner:
                seen("inner", inner.id)
                inner.output = {"ok": True}
        await cl.Message(content="sync done").send()
    elif command == "stream":
        async with cl.Step(name="thinking", type="llm") as step:
            step.input = "What is 2+2?"
            for token in ["It ", "is ", "4."]:
                await step.stream_token(token)
            seen("streamed-output", step.output)
    elif command == "fail":
        try:
            await broken_tool()
        except ValueError as error:
            seen("caught", str(error))
        try:
            broken_sync_tool()
        except KeyError as error:
            seen("caught-sync", repr(error))
        await cl.Message(content="recovered").send()
    elif command == "fail-uncaught":
        await broken_tool()
    elif command == "quiet":
        await quiet("hunter2")
    elif command == "cot":
        # A run with a tool call and an LLM call inside it, as an agent makes them.
        async with cl.Step(name="agent", type="run"):
            await search("cot")
            async with cl.Step(name="model", type="llm") as llm:
                llm.output = "thought about it"
        await cl.Message(content="answer").send()
    elif command == "options":
        # Chainlit's display options: an icon, open at first, closed again once done.
        await lookup("opened")
        async with cl.Step(name="fetch", type="tool", auto_collapse=True, icon="🌐") as fetch:
            seen("fetch", fetch.id)
            await asyncio.sleep(0.01)  # fetching a while: shown open first
            fetch.output = "fetched"
        await cl.Message(content="options done").send()
    elif command.startswith("answer-inside"):
        await answering(command.removeprefix("answer-inside").strip("-"))
    else:
        await cl.Message(content=f"unknown command {command}").send()

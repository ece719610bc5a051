"""LLM client libraries called the ways Chainlit apps call them, with instrumentation on.

A message "KIND: question" picks the way; the fake server's address is in FAKE_LLM_URL.
"""

import os

from mistralai.client import Mistral
from openai import AsyncOpenAI, OpenAI

import chat.sdk as cl
from tests.fake_llm import KEY

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "current_time",
            "description": "The time.",
            "parameters": {"type": "object", "properties": {}},
        },
    }
]


def openai_sync() -> OpenAI:
    return OpenAI(base_url=os.environ["FAKE_LLM_URL"] + "/v1", api_key=KEY, max_retries=0)


def openai_async() -> AsyncOpenAI:
    return AsyncOpenAI(base_url=os.environ["FAKE_LLM_URL"] + "/v1", api_key=KEY, max_retries=0)


def mistral() -> Mistral:
    return Mistral(api_key=KEY, server_url=os.environ["FAKE_LLM_URL"])


def prompt(question: str) -> list[dict]:
    return [{"role": "system", "content": "Be brief."}, {"role": "user", "content": question}]


@cl.step(type="run", name="agent")
async def agent(question: str) -> str:
    """A step around the call: the llm step nests under it."""
    response = await openai_async().chat.completions.create(
        model="agent-model", messages=prompt(question), tools=TOOLS, temperature=0.2
    )
    return response.choices[0].message.tool_calls[0].function.name


def blocking_stream(question: str) -> str:
    stream = openai_sync().chat.completions.create(
        model="sync-model", messages=prompt(question), stream=True
    )
    return "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)


@cl.on_message
async def on_message(message: cl.Message) -> None:
    kind, _, question = message.content.partition(": ")
    if kind == "openai-async-stream":
        reply = cl.Message(content="")
        stream = await openai_async().chat.completions.create(
            model="stream-model",
            messages=prompt(question),
            stream=True,
            stream_options={"include_usage": True},
            max_tokens=50,
        )
        async for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                await reply.stream_token(chunk.choices[0].delta.content)
        await reply.send()
    elif kind == "openai-async":
        response = await openai_async().chat.completions.create(
            model="plain-model", messages=prompt(question)
        )
        await cl.Message(content=response.choices[0].message.content).send()
    elif kind == "openai-sync":
        # Blocking, straight in the hook, as many Chainlit examples do.
        response = openai_sync().chat.completions.create(
            model="sync-model", messages=prompt(question)
        )
        await cl.Message(content=response.choices[0].message.content).send()
    elif kind == "openai-thread-stream":
        text = await cl.make_async(blocking_stream)(question)
        await cl.Message(content=text).send()
    elif kind == "openai-tool":
        await cl.Message(content=await agent(question)).send()
    elif kind == "mistral-stream":
        events = await mistral().chat.stream_async(model="mistral-model", messages=prompt(question))
        text = ""
        async for event in events:
            text += event.data.choices[0].delta.content or ""
        await cl.Message(content=text).send()
    elif kind == "mistral-sync":
        response = mistral().chat.complete(model="mistral-model", messages=prompt(question))
        await cl.Message(content=response.choices[0].message.content).send()
    elif kind == "mistral-tool":
        response = await mistral().chat.complete_async(
            model="mistral-model", messages=prompt(question), tools=TOOLS
        )
        await cl.Message(content=response.choices[0].message.tool_calls[0].function.name).send()

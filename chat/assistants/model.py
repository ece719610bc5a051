"""The default assistant with a real model (CHAT_LLM_*): streamed answers with the thread's
history, two tools shown as steps (the current time; searching the user's documents, whose
passages are then cited as sources), and each model call as an `llm` step.

When the model fails (a wrong key, no answer, a rate limit, a broken stream) the user is
told so in the thread, and whatever part of the answer had arrived stays.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from django.conf import settings

import chat.sdk as cl
from chat import llm
from chat.assistants import mcp_tools

MAX_ROUNDS = 4  # model calls per question: tool calls, then the answer

SYSTEM_PROMPT = (
    "You are {name}, a company's internal assistant. Answer concisely, in markdown. "
    "Use the tools when they help: current_time for today's date and the time, "
    "search_documents for anything the user's uploaded documents may answer. When you use "
    "passages from documents, cite each by its source name in parentheses."
)
DOCUMENTS_PROMPT = "The user has uploaded these documents: {names}."

TOOLS: list[dict[str, Any]] = [
    {
        "type": "function",
        "function": {
            "name": "current_time",
            "description": "The current date and time (UTC).",
            "parameters": {"type": "object", "properties": {}},
        },
    },
    {
        "type": "function",
        "function": {
            "name": "search_documents",
            "description": "Searches the documents the user uploaded; returns the best passages.",
            "parameters": {
                "type": "object",
                "properties": {"query": {"type": "string", "description": "What to look for"}},
                "required": ["query"],
            },
        },
    },
]


@cl.step(type="tool", name="current_time")
async def current_time() -> str:
    return datetime.now(UTC).strftime("%A %d %B %Y, %H:%M UTC")


@cl.step(type="tool", name="search_documents")
async def search_documents(query: str) -> str:
    passages = await cl.rag.search(query, k=3)
    found = cl.user_session.get("cited_passages") or []
    found.extend(passages)
    cl.user_session.set("cited_passages", found)
    if not passages:
        return "No passage matches."
    return "\n\n".join(f"[{p.name}]\n{p.text}" for p in passages)


async def run_tool(call: llm.ToolCall, mcp: dict[str, tuple[str, Any]] | None = None) -> str:
    if mcp and call.name in mcp:
        return await mcp_tools.run(*mcp[call.name], call.arguments)
    if call.name == "current_time":
        return await current_time()
    if call.name == "search_documents":
        return await search_documents(str(call.arguments.get("query") or ""))
    return f"There is no tool named {call.name}."


async def prompt() -> list[dict[str, Any]]:
    """The system prompt and the thread's history, as the model reads it."""
    system = SYSTEM_PROMPT.format(name=settings.CHAT_UI_NAME)
    ready = [d.name for d in await cl.rag.documents() if d.status == "ready"]
    if ready:
        system += " " + DOCUMENTS_PROMPT.format(names=", ".join(ready))
    # System messages in a thread are the chat's own notices (errors among them), not
    # instructions: they stay out of the prompt.
    history = [
        m
        for m in cl.chat_context.to_openai()
        if m["role"] in ("user", "assistant") and m["content"]
    ]
    return [{"role": "system", "content": system}, *history]


async def call_model(
    model: llm.Model,
    messages: list[dict[str, Any]],
    answer: cl.Message,
    tools: list[dict[str, Any]] = TOOLS,
) -> llm.Turn:
    """One model call, shown as an `llm` step; its text streams into `answer`."""
    async with cl.Step(name=model.model, type="llm") as step:
        step.input = messages
        generation: dict[str, Any] = {
            "provider": model.provider,
            "model": model.model,
            "settings": model.settings,
            "tools": [t["function"]["name"] for t in tools],
        }
        step.generation = generation
        started = datetime.now(UTC)
        try:
            turn = await model.turn(messages, tools, answer.stream_token)
        finally:
            generation["duration_ms"] = round((datetime.now(UTC) - started).total_seconds() * 1000)
        generation.update(
            model=turn.model,
            input_tokens=turn.input_tokens,
            output_tokens=turn.output_tokens,
        )
        if turn.cached_tokens is not None:
            generation["cached_tokens"] = turn.cached_tokens
        if turn.tool_calls:
            generation["tool_calls"] = [
                {"id": c.id, "name": c.name, "arguments": c.arguments} for c in turn.tool_calls
            ]
        step.output = turn.text or generation.get("tool_calls", "")
    return turn


async def answer() -> None:
    """Answers the last message of the thread with the configured model."""
    model = llm.from_settings()
    messages = await prompt()
    reply = cl.Message(content="")
    cl.user_session.set("cited_passages", [])
    # The tools of the chat's MCP servers too, as connected now.
    mcp = mcp_tools.offered({t["function"]["name"] for t in TOOLS})
    tools = TOOLS + mcp_tools.functions(mcp)
    try:
        for _ in range(MAX_ROUNDS):
            turn = await call_model(model, messages, reply, tools)
            if not turn.tool_calls:
                break
            messages.append(
                {
                    "role": "assistant",
                    "content": turn.text or None,
                    "tool_calls": [
                        {
                            "id": c.id,
                            "type": "function",
                            "function": {"name": c.name, "arguments": json.dumps(c.arguments)},
                        }
                        for c in turn.tool_calls
                    ],
                }
            )
            for call in turn.tool_calls:
                result = await run_tool(call, mcp)
                messages.append(
                    {"role": "tool", "tool_call_id": call.id, "name": call.name, "content": result}
                )
    except llm.LLMError as error:
        error.partial = bool(reply.content)
        if reply.content:
            await reply.update()  # what arrived stays, as it was shown
        await cl.ErrorMessage(content=error.user_message()).send()
        return
    finally:
        await model.close()
    cited = cl.user_session.get("cited_passages") or []
    cl.user_session.set("cited_passages", [])
    if cited:
        shown = {p.name: p for p in cited}
        reply.elements = [p.to_element("side") for p in shown.values()]
    if not reply.content:
        reply.content = "(The model gave no answer.)"
    await reply.send()

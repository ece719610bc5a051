"""The tools of the chat's MCP servers, for the default assistant's model.

Offered in OpenAI's function shape (chat.llm turns it into Anthropic's and Mistral's); each
call runs as a `tool` step with its input and output, and is asked about first (Allow /
Deny) when CHAT_MCP_CONFIRM_TOOLS is on. A tool that fails, is slow or whose server went
away gives an error step and an error result for the model: the answer goes on.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.conf import settings

import chat.sdk as cl

# Function names the model APIs accept.
UNSAFE = re.compile(r"[^a-zA-Z0-9_-]")
MAX_NAME = 64
DENIED = "The user did not allow this call."


def offered(reserved: set[str]) -> dict[str, tuple[str, Any]]:
    """Function name -> (server, tool) for every connected tool; a name taken by another
    tool (or one of the assistant's own) is prefixed with its server's name."""
    found: dict[str, tuple[str, Any]] = {}
    for server, tool in cl.mcp.connected_tools():
        name = UNSAFE.sub("_", tool.name)[:MAX_NAME]
        if name in reserved or name in found:
            name = UNSAFE.sub("_", f"{server}__{tool.name}")[:MAX_NAME]
        if name not in reserved and name not in found:
            found[name] = (server, tool)
    return found


def functions(found: dict[str, tuple[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "type": "function",
            "function": {
                "name": name,
                "description": (tool.description or tool.name)[:1000],
                "parameters": tool.inputSchema or {"type": "object", "properties": {}},
            },
        }
        for name, (_, tool) in found.items()
    ]


def result_text(result: Any) -> str:
    """A CallToolResult as text for the step and the model."""
    parts = []
    for block in result.content or []:
        kind = getattr(block, "type", "")
        if kind == "text":
            parts.append(block.text)
        elif kind == "resource":
            parts.append(getattr(block.resource, "text", "") or f"[{block.resource.uri}]")
        else:
            parts.append(f"[{kind}]")
    if not parts and result.structuredContent is not None:
        parts.append(json.dumps(result.structuredContent, ensure_ascii=False))
    return "\n".join(parts)


def cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n[… {len(text) - limit} more characters cut]"


async def allowed(tool: str, arguments: dict[str, Any]) -> bool:
    shown = json.dumps(arguments, ensure_ascii=False)
    if len(shown) > 300:
        shown = shown[:300] + "…"
    answer = await cl.AskActionMessage(
        content=f"Run **{tool}** with `{shown}`?",
        actions=[
            cl.Action(name="mcp_allow", payload={"allow": True}, label="Allow"),
            cl.Action(name="mcp_deny", payload={"allow": False}, label="Deny"),
        ],
    ).send()
    return bool(answer) and bool((answer.get("payload") or {}).get("allow"))


async def run(server: str, tool: Any, arguments: dict[str, Any]) -> str:
    """One tool call as a `tool` step; returns what the model is given back."""
    async with cl.Step(name=tool.name, type="tool") as step:
        step.metadata = {"mcp_server": server}
        step.input = arguments
        if settings.CHAT_MCP_CONFIRM_TOOLS and not await allowed(tool.name, arguments):
            step.output = DENIED
            return DENIED
        try:
            result = await cl.mcp.call_tool(server, tool.name, arguments)
        except cl.mcp.McpCallError as error:
            step.is_error = True
            step.output = str(error)
            return f"The tool failed: {error}"
        text = cut(result_text(result), settings.CHAT_MCP_OUTPUT_LIMIT)
        step.is_error = bool(result.isError)
        step.output = text
        return f"The tool failed: {text}" if result.isError else text

"""Chainlit's documented MCP pattern, written as a Chainlit app: the tools of each connected
server are listed on connect and kept in the user session; a tool runs inside a
`@cl.step(type="tool")` through `cl.context.session.mcp_sessions`.

A Chainlit app: only `import chainlit as cl` became `import chat.sdk as cl`. A message
"NAME {json arguments}" calls the tool NAME (as a model's tool call would); "tools" lists them.
"""

import json

from mcp import ClientSession

import chat.sdk as cl


@cl.on_chat_start
async def start():
    cl.user_session.set("mcp_tools", {})


@cl.on_mcp_connect
async def on_mcp(connection, session: ClientSession):
    result = await session.list_tools()
    tools = [
        {
            "name": t.name,
            "description": t.description,
            "input_schema": t.inputSchema,
        }
        for t in result.tools
    ]
    mcp_tools = cl.user_session.get("mcp_tools", {})
    mcp_tools[connection.name] = tools
    cl.user_session.set("mcp_tools", mcp_tools)
    connected = cl.user_session.get("connected", [])
    connected.append(f"{connection.name}:{connection.type}")
    cl.user_session.set("connected", connected)


@cl.on_mcp_disconnect
async def on_mcp_disconnect(name: str, session: ClientSession):
    mcp_tools = cl.user_session.get("mcp_tools", {})
    mcp_tools.pop(name, None)
    cl.user_session.set("mcp_tools", mcp_tools)


def find_mcp_for_tool(tool_name):
    mcp_tools = cl.user_session.get("mcp_tools", {})
    for connection_name, tools in mcp_tools.items():
        if any(tool.get("name") == tool_name for tool in tools):
            return connection_name
    return None


@cl.step(type="tool")
async def call_tool(tool_use):
    tool_name = tool_use["name"]
    tool_input = tool_use["input"]
    current_step = cl.context.current_step
    current_step.name = tool_name
    mcp_name = find_mcp_for_tool(tool_name)
    if not mcp_name:
        current_step.output = json.dumps({"error": f"Tool {tool_name} not found"})
        return current_step.output
    mcp_session, _ = cl.context.session.mcp_sessions.get(mcp_name)
    try:
        current_step.output = await mcp_session.call_tool(tool_name, tool_input)
    except Exception as e:
        current_step.output = json.dumps({"error": str(e)})
    return current_step.output


@cl.on_message
async def on_message(message: cl.Message):
    if message.content == "tools":
        mcp_tools = cl.user_session.get("mcp_tools", {})
        names = sorted(t["name"] for tools in mcp_tools.values() for t in tools)
        await cl.Message(content="Tools: " + ", ".join(names)).send()
        return
    name, _, arguments = message.content.partition(" ")
    result = await call_tool({"name": name, "input": json.loads(arguments or "{}")})
    await cl.Message(content=f"{name} said: {result}").send()

"""The conversation in OpenAI's format, as Anthropic's API must receive it."""

from __future__ import annotations

from chat.llm.anthropic_chat import to_anthropic, to_anthropic_tools
from chat.llm.openai_chat import parse_arguments


def call(ident: str, name: str, arguments: str = "{}") -> dict:
    return {"id": ident, "type": "function", "function": {"name": name, "arguments": arguments}}


def test_the_system_prompt_moves_out_and_tool_calls_become_blocks():
    system, messages = to_anthropic(
        [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "time and docs?"},
            {
                "role": "assistant",
                "content": "Checking.",
                "tool_calls": [call("a", "current_time"), call("b", "search", '{"query": "x"}')],
            },
            {"role": "tool", "tool_call_id": "a", "name": "current_time", "content": "noon"},
            {"role": "tool", "tool_call_id": "b", "name": "search", "content": "found"},
        ]
    )
    assert system == "Be brief."
    assert messages[0] == {"role": "user", "content": "time and docs?"}
    assert messages[1] == {
        "role": "assistant",
        "content": [
            {"type": "text", "text": "Checking."},
            {"type": "tool_use", "id": "a", "name": "current_time", "input": {}},
            {"type": "tool_use", "id": "b", "name": "search", "input": {"query": "x"}},
        ],
    }
    # Both results go back together, in one user turn, as Anthropic requires.
    assert messages[2] == {
        "role": "user",
        "content": [
            {"type": "tool_result", "tool_use_id": "a", "content": "noon"},
            {"type": "tool_result", "tool_use_id": "b", "content": "found"},
        ],
    }
    assert len(messages) == 3


def test_tools_are_described_with_their_input_schema():
    tools = [{"type": "function", "function": {"name": "t", "description": "d"}}]
    assert to_anthropic_tools(tools) == [
        {"name": "t", "description": "d", "input_schema": {"type": "object"}}
    ]


def test_broken_tool_arguments_reach_the_tool_as_one_string():
    assert parse_arguments('{"query": "boiler"}') == {"query": "boiler"}
    assert parse_arguments("") == {}
    assert parse_arguments("{not json") == {"input": "{not json"}
    assert parse_arguments("[1, 2]") == {"input": [1, 2]}

"""The default assistant with a model and the company's MCP servers: their tools are offered
to the model in each provider's shape, each call is a `tool` step, the result goes back to
the model, and failures or a Deny end the call, not the answer."""

from __future__ import annotations

import json

import pytest

from chat.models import Step
from tests.chat.assistants.test_model import PROVIDERS, replies, steps_of
from tests.chat.sdk.test_ask import open_question
from tests.mcp_server.fixtures import http_definition, http_tracker  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def with_tracker(settings, http_tracker):  # noqa: F811
    settings.CHAT_MCP_SERVERS = [http_definition(http_tracker)]


@pytest.fixture
async def chat(with_tracker, model, open_chat, thread, user):
    return await open_chat(thread, user)


def offered_names(request_body: dict) -> list[str]:
    return [t.get("name") or t["function"]["name"] for t in request_body.get("tools") or []]


@pytest.mark.parametrize("model", PROVIDERS, indirect=True)
async def test_a_tool_of_an_mcp_server_is_called_as_a_step_and_its_result_answers(chat, model):
    await chat.send("Please call lookup_ticket")
    first = model.chat_requests()[0]
    assert {"current_time", "lookup_ticket", "slow_report", "broken_tool"} <= set(
        offered_names(first)
    )
    steps = await steps_of(chat.thread)
    assert [(s.type, s.name) for s in steps] == [
        ("llm", "fake-model"),
        ("tool", "lookup_ticket"),
        ("llm", "fake-model"),
    ]
    tool = steps[1]
    assert tool.output == "Ticket T-1: Printer on floor 3 is jammed (open, assigned to Facilities)"
    assert not tool.is_error
    assert tool.output in json.dumps(model.chat_requests()[-1]["messages"])
    reply = await chat.last_reply()
    assert reply.content == f"The tool said: {tool.output}"


async def test_a_failing_tool_is_an_error_step_and_the_answer_goes_on(chat, model):
    await chat.send("call broken_tool")
    [tool] = [s for s in await steps_of(chat.thread) if s.type == "tool"]
    assert tool.is_error
    assert "the tracker's database is down" in tool.output
    assert "The tool said: The tool failed:" in (await chat.last_reply()).content


async def test_a_slow_tool_times_out_as_an_error_step(
    with_tracker, model, settings, open_chat, thread, user
):
    settings.CHAT_MCP_CALL_TIMEOUT = 1  # taken when the chat connects
    chat = await open_chat(thread, user)
    await chat.send("call slow_report")
    [tool] = [s for s in await steps_of(chat.thread) if s.type == "tool"]
    assert tool.is_error
    assert "did not answer within 1 s" in tool.output
    assert (await chat.last_reply()).content.startswith("The tool said: The tool failed")


async def test_a_huge_output_is_cut_at_the_limit(chat, model, settings):
    settings.CHAT_MCP_OUTPUT_LIMIT = 1000
    await chat.send("call huge_output")
    [tool] = [s for s in await steps_of(chat.thread) if s.type == "tool"]
    assert tool.output.startswith("x" * 1000 + "\n[… 199000 more characters cut]")
    sent_back = json.dumps(model.chat_requests()[-1]["messages"])
    assert "x" * 1001 not in sent_back


async def test_with_confirmation_on_deny_stops_the_call(chat, model, settings):
    settings.CHAT_MCP_CONFIRM_TOOLS = True
    await chat.send("call lookup_ticket", wait=False)
    question = await open_question(chat.thread, "action")
    assert "Run **lookup_ticket**" in question.content
    deny = next(a for a in question.metadata["ask"]["actions"] if a["label"] == "Deny")
    await chat.session.answer_with_action(str(question.id), deny["id"])
    await chat.idle()
    [tool] = [s async for s in Step.objects.filter(thread_id=chat.thread.pk, type="tool")]
    assert tool.output == "The user did not allow this call."
    assert "Printer" not in json.dumps(model.chat_requests()[-1]["messages"])
    assert (await chat.last_reply()).content.startswith("The tool said: The user did not allow")


async def test_with_confirmation_on_allow_runs_the_call(chat, model, settings):
    settings.CHAT_MCP_CONFIRM_TOOLS = True
    await chat.send("call lookup_ticket", wait=False)
    question = await open_question(chat.thread, "action")
    allow = next(a for a in question.metadata["ask"]["actions"] if a["label"] == "Allow")
    await chat.session.answer_with_action(str(question.id), allow["id"])
    await chat.idle()
    assert "Printer on floor 3" in (await replies(chat.thread))[-1].content

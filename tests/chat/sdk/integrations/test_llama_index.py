"""`cl.LlamaIndexCallbackHandler`: a LlamaIndex query becomes a query step with the
retrieval and the LLM call nested under it."""

from __future__ import annotations

import json

import pytest

from chat.models import Step
from tests.drivers import wait_for

from .conftest import finished_steps
from .test_langchain import tree

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
async def chat(use_assistant, open_chat, thread, user):
    use_assistant("llama_index_app")
    return await open_chat(thread, user)


@pytest.mark.parametrize("kind", ["query", "aquery"])
async def test_a_query_shows_its_retrieval_and_llm_call_nested(chat, kind):
    await chat.send(f"{kind}: when is the boiler serviced?")
    # The query, its retrieval, the synthesis and the LLM call under it.
    steps = await finished_steps(chat.thread, 4 if kind == "query" else 5)
    shown = tree(steps)
    assert shown[0] == ("run", "query", None)
    assert ("retrieval", "retrieve", "query") in shown
    # (MockLLM's async completion calls its sync one: an async query shows both.)
    llms = [s for s in steps if s.type == "llm"]
    assert llms
    llm = llms[0]
    assert llm.metadata["generation"]["provider"] == "MockLLM"
    # The LLM call is under the query (directly, or under its synthesis step).
    names = {s.id: s for s in steps}
    ancestors = []
    parent = names.get(llm.parent_id)
    while parent is not None:
        ancestors.append(parent.name)
        parent = names.get(parent.parent_id)
    assert "query" in ancestors
    [retrieval] = [s for s in steps if s.type == "retrieval"]
    assert "Heatwell" in json.loads(retrieval.output)[0]["content"]
    assert "boiler" in json.dumps(json.loads(llm.input))
    assert llm.output
    query = steps[0]
    assert query.input == "when is the boiler serviced?"
    assert query.output == (await chat.last_reply()).content
    assert all(s.ended_at is not None and not s.is_error for s in steps)


@pytest.mark.parametrize("kind", ["stream", "astream"])
async def test_a_streamed_answer_reaches_the_message_and_then_the_query_step(chat, kind):
    await chat.send(f"{kind}: when is the boiler serviced?")
    reply = await chat.last_reply()
    # The handler did not read the stream itself: the app got every token.
    assert reply.content.strip()
    assert reply.content != "None"
    steps = await finished_steps(chat.thread, 4 if kind == "stream" else 5)
    [query] = [s for s in steps if s.name == "query"]
    await wait_for(
        lambda: Step.objects.filter(pk=query.pk, output=reply.content).aexists(),
        what="the query step's output",
    )

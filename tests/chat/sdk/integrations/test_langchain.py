"""`cl.LangchainCallbackHandler` and `cl.AsyncLangchainCallbackHandler`: LangChain runs
become nested steps of the right types, with outputs; LLM runs carry their generation."""

from __future__ import annotations

import json

import pytest

from chat.models import Message, Step, Thread

from .conftest import finished_steps

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
async def chat(use_assistant, open_chat, thread, user):
    use_assistant("langchain_app")
    return await open_chat(thread, user)


def tree(steps: list[Step]) -> list[tuple[str, str, str | None]]:
    """(type, name, parent's name) for each step, in order."""
    names = {s.id: s.name for s in steps}
    return [(s.type, s.name, names.get(s.parent_id)) for s in steps]


@pytest.mark.parametrize("kind", ["chain", "chain-sync"])
async def test_a_prompt_model_parser_chain_shows_the_model_call_alone(chat, kind):
    await chat.send(f"{kind}: capital of France?")
    steps = await finished_steps(chat.thread, 1)
    # The sequence, the prompt template and the parser are plumbing: not shown.
    assert tree(steps) == [("llm", "GenericFakeChatModel", None)]
    [llm] = steps
    assert json.loads(llm.input) == [
        {"role": "system", "content": "You answer briefly."},
        {"role": "user", "content": "capital of France?"},
    ]
    assert llm.output == "Paris."
    generation = llm.metadata["generation"]
    assert (generation["input_tokens"], generation["output_tokens"]) == (12, 5)
    assert generation["provider"] == "generic-fake-chat-model"
    assert (await chat.last_reply()).content == "Paris."
    assert (await Thread.objects.aget(pk=chat.thread.pk)).total_tokens == 17


@pytest.mark.parametrize("kind", ["pipeline", "pipeline-thread"])
async def test_retriever_tool_and_model_nest_under_the_chain_that_ran_them(chat, kind):
    await chat.send(f"{kind}: when is the boiler serviced?")
    steps = await finished_steps(chat.thread, 4)
    assert tree(steps) == [
        ("run", "answer_question", None),
        ("retrieval", "Handbook", "answer_question"),
        ("tool", "current_time", "answer_question"),
        ("llm", "GenericFakeChatModel", "answer_question"),
    ]
    chain, retrieval, tool, llm = steps
    assert json.loads(retrieval.output) == [
        {"content": "The boiler is serviced in October.", "metadata": {"p": 2}}
    ]
    assert tool.output == "noon"
    assert llm.output == "At noon: The boiler is serviced in October."
    assert chain.output == llm.output
    assert chain.input == "when is the boiler serviced?"
    assert all(s.ended_at is not None and not s.is_error for s in steps)


async def test_a_failing_model_is_a_failed_step(chat):
    await chat.send("failing: anything")
    [step] = await finished_steps(chat.thread, 1)
    assert step.type == "llm"
    assert step.is_error
    assert (await chat.last_reply()).content.startswith("failed: ")


@pytest.mark.parametrize("kind", ["stream", "stream-sync"])
async def test_the_steps_of_a_streamed_answer_come_before_the_answer(chat, kind):
    for _ in range(3):  # the race it guards against is lost only now and then
        await chat.send(f"{kind}: capital of France?")
    answers = [m for m in await chat.messages() if m.author_kind == Message.Author.ASSISTANT]
    assert [m.content for m in answers] == ["The capital is Paris."] * 3
    steps = await finished_steps(chat.thread, 3)
    assert [s.name for s in steps] == ["GenericFakeChatModel"] * 3
    for step, answer in zip(steps, answers, strict=True):
        assert step.order < answer.order
        assert step.output == "The capital is Paris."


@pytest.mark.parametrize("kind", ["pipeline", "pipeline-thread", "chain-sync"])
async def test_the_steps_of_an_answer_come_before_it(chat, kind):
    for _ in range(3):
        await chat.send(f"{kind}: when is the boiler serviced?")
    answers = [m for m in await chat.messages() if m.author_kind == Message.Author.ASSISTANT]
    steps = await finished_steps(chat.thread, 3 if kind == "chain-sync" else 12)
    per_answer = len(steps) // 3
    for n, answer in enumerate(answers):
        mine = steps[n * per_answer : (n + 1) * per_answer]
        assert all(step.order < answer.order for step in mine), (kind, n)


async def test_an_app_written_for_chainlits_final_answer_streaming_sends_its_answer(chat):
    await chat.send("final-answer: capital of France?")
    assert (await chat.last_reply()).content == "Paris."
    steps = await finished_steps(chat.thread, 1)
    assert [s.name for s in steps] == ["GenericFakeChatModel"]

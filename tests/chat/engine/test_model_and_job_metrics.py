"""/metrics counts model calls (latency, errors, tokens, by provider and model) and jobs
(their outcomes here, and the stored ones by status from the database, which every process
reports alike), as a chat runs against the local fake model server."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from prometheus_client import REGISTRY, generate_latest

from chat.engine import queue_metrics
from chat.engine.assistant import load
from chat.models import Job
from tests.chat.engine.test_jobs import job_of, until_status
from tests.conftest import ASSISTANTS_DIR
from tests.fake_llm import KEY

pytestmark = pytest.mark.django_db(transaction=True)


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
def openai_assistant(settings, fake_llm):
    settings.CHAT_LLM_PROVIDER = "openai"
    settings.CHAT_LLM_BASE_URL = fake_llm.openai_url
    settings.CHAT_LLM_API_KEY = KEY
    settings.CHAT_LLM_MODEL = "fake-model"
    settings.CHAT_LLM_MAX_RETRIES = 0
    load("chat.assistants.default", force=True)
    yield
    load(settings.CHAT_ASSISTANT, force=True)


async def test_a_model_call_counts_its_latency_and_tokens_and_a_failure_its_error(
    openai_assistant, open_chat, thread, user
):
    call = {"provider": "openai", "model": "fake-model"}
    before = {
        "ok": value("chat_llm_calls_total", **call, outcome="ok"),
        "error": value("chat_llm_calls_total", **call, outcome="error"),
        "timed": value("chat_llm_call_duration_seconds_count", **call),
        "output": value("chat_llm_tokens_total", **call, kind="output"),
        "input": value("chat_llm_tokens_total", **call, kind="input"),
    }
    chat = await open_chat(thread, user)
    await chat.send("count my tokens")

    assert value("chat_llm_calls_total", **call, outcome="ok") == before["ok"] + 1
    assert value("chat_llm_call_duration_seconds_count", **call) == before["timed"] + 1
    # "You said: count my tokens"
    assert value("chat_llm_tokens_total", **call, kind="output") == before["output"] + 5
    assert value("chat_llm_tokens_total", **call, kind="input") > before["input"]

    await chat.send("server error please")
    assert value("chat_llm_calls_total", **call, outcome="error") == before["error"] + 1


@pytest.fixture
def jobs_in_process(settings, use_assistant):
    settings.CHAT_JOBS_IN_PROCESS = True
    use_assistant(str(ASSISTANTS_DIR / "worker_jobs.py"))


async def test_a_job_counts_its_outcome_and_the_stored_jobs_by_status(
    jobs_in_process, open_chat, thread, user
):
    queue_metrics.register()
    done_before = value("chat_job_runs_total", outcome="done")
    chat = await open_chat(thread, user)
    await chat.send("report 3 0.01")
    await until_status(await job_of(thread, "write_report"), Job.Status.DONE)

    assert value("chat_job_runs_total", outcome="done") == done_before + 1
    # As /metrics reads it: in Django's sync thread.
    scraped = (await sync_to_async(generate_latest)(REGISTRY)).decode()
    stored_done = await Job.objects.filter(status=Job.Status.DONE).acount()
    assert f'chat_jobs{{status="done"}} {float(stored_done)}' in scraped
    assert 'chat_jobs{status="queued"} 0.0' in scraped

"""/metrics of a real daphne, scraped as Prometheus does while a chat runs over a real
websocket: the counts move, and nobody without the token reads them."""

from __future__ import annotations

import asyncio
import http.client
import uuid

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import ASSISTANTS_DIR
from tests.factories import make_thread, make_user
from tests.services import Daphne, free_port, service_env
from tests.sockets import PageSocket, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)

TOKEN = "scrape-" + uuid.uuid4().hex


@pytest.fixture(scope="module")
def web(django_db_setup, django_db_blocker, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("metrics")
    with django_db_blocker.unblock():
        env = service_env(
            tmp,
            f"chat-test-{uuid.uuid4().hex[:12]}",
            CHAT_ASSISTANT=str(ASSISTANTS_DIR / "echo.py"),
            CHAT_METRICS_TOKEN=TOKEN,
        )
    env["CHANNEL_PREFIX"] = f"chat-metrics-{uuid.uuid4().hex[:8]}"
    process = Daphne("web", env, tmp, free_port())
    try:
        process.start()
        yield process
    finally:
        process.stop()


def get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        client.request("GET", path, headers=headers or {})
        response = client.getresponse()
        return response.status, response.read().decode()
    finally:
        client.close()


def scrape(port: int) -> dict[tuple[str, tuple], float]:
    status, text = get(port, "/metrics", {"Authorization": f"Bearer {TOKEN}"})
    assert status == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def sample(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_refuse_a_scraper_without_the_token(web):
    assert get(web.port, "/metrics")[0] == 401
    assert get(web.port, "/metrics", {"Authorization": "Bearer nope"})[0] == 401


async def test_counts_move_as_a_chat_runs(web):
    user = await asyncio.to_thread(make_user, email=f"{uuid.uuid4().hex[:8]}@example.com")
    thread = await asyncio.to_thread(make_thread, user)
    cookie = await session_cookie(user)
    before = await asyncio.to_thread(scrape, web.port)

    status, _ = await asyncio.to_thread(get, web.port, f"/threads/{thread.pk}/", {"Cookie": cookie})
    assert status == 200
    socket = await PageSocket.open(web.port, thread, cookie)
    try:
        during = await asyncio.to_thread(scrape, web.port)
        assert sample(during, "chat_websockets_open") == 1
        await socket.say("burst 30")
        await socket.until(lambda f: 'data-status="done"' in f and "t29" in f)
        after = await asyncio.to_thread(scrape, web.port)
    finally:
        await socket.close()

    def moved(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert moved("chat_runs_total", hook="on_message", outcome="done") == 1
    assert moved("chat_tokens_streamed_total") == 30
    assert moved("chat_first_token_seconds_count", hook="on_message") == 1
    assert moved("chat_http_requests_total", view="chat:thread", status="200") == 1
    assert sample(after, "chat_runs_active", hook="on_message") == 0

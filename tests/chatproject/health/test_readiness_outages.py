"""/readyz of a real daphne while its services go away and come back: the database (cut
off behind a relay), Redis (the cache and the channel layer) and the Celery broker (each a
redis-server of the test's own, stopped and started). It names what failed, and nothing
more, and says ready again once the service is back."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
import uuid

import pytest
from django.db import connection

from tests.round_robin import RoundRobinProxy
from tests.services import Daphne, RedisServer, database_url_of_tests, free_port, service_env

pytestmark = pytest.mark.django_db(transaction=True)


def readyz(port: int) -> tuple[int, dict]:
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        client.request("GET", "/readyz")
        response = client.getresponse()
        return response.status, json.loads(response.read())
    finally:
        client.close()


class Silent:
    """A service that takes connections and never answers (a hung Redis, say)."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.accepted.append(client)

    def close(self) -> None:
        self.listener.close()
        for client in self.accepted:
            client.close()


@pytest.fixture(scope="module")
def services(django_db_setup, django_db_blocker, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("readiness")
    redis, broker = RedisServer(tmp / "redis"), RedisServer(tmp / "broker")
    (tmp / "redis").mkdir()
    (tmp / "broker").mkdir()
    redis.start()
    broker.start()
    relay = None
    with django_db_blocker.unblock():
        database_url = database_url_of_tests()
        if connection.vendor == "postgresql":
            # The app reaches PostgreSQL through a relay the test can cut.
            port = int(connection.settings_dict["PORT"] or 5432)
            relay = RoundRobinProxy([port]).start()
            database_url = database_url.replace(f":{port}/", f":{relay.port}/")
        env = service_env(
            tmp,
            f"chat-test-{uuid.uuid4().hex[:12]}",
            DATABASE_URL=database_url,
            REDIS_URL=redis.url,
            CELERY_BROKER_URL=broker.url,
            CHAT_READY_TIMEOUT_SECONDS="0.5",
        )
    web = Daphne("web", env, tmp, free_port())
    try:
        web.start()
        yield {"web": web, "redis": redis, "broker": broker, "relay": relay}
    finally:
        web.stop()
        redis.stop()
        broker.stop()
        if relay is not None:
            relay.stop()


def becomes(port: int, status: int) -> dict:
    seen: dict = {}

    def answered() -> bool:
        code, body = readyz(port)
        seen.update(body)
        return code == status

    deadline = time.monotonic() + 20
    while not answered():
        if time.monotonic() > deadline:
            pytest.fail(f"/readyz never answered {status}; last: {seen}")
        time.sleep(0.1)
    return seen


def test_ready_when_every_service_answers(services):
    status, body = readyz(services["web"].port)
    assert status == 200
    assert body == {
        "status": "ok",
        "checks": {"database": "ok", "redis": "ok", "channel_layer": "ok", "broker": "ok"},
    }


def test_broker_down_is_named_and_ready_again_when_it_returns(services):
    port = services["web"].port
    services["broker"].stop()
    body = becomes(port, 503)
    assert body["status"] == "unavailable"
    assert body["checks"] == {
        "database": "ok", "redis": "ok", "channel_layer": "ok", "broker": "failed",
    }  # fmt: skip
    services["broker"].start()
    assert becomes(port, 200)["checks"]["broker"] == "ok"


def test_redis_down_fails_redis_and_the_channel_layer_until_it_returns(services):
    port = services["web"].port
    services["redis"].stop()
    body = becomes(port, 503)
    assert body["checks"] == {
        "database": "ok", "redis": "failed", "channel_layer": "failed", "broker": "ok",
    }  # fmt: skip
    services["redis"].start()
    assert set(becomes(port, 200)["checks"].values()) == {"ok"}


def test_database_down_is_named_and_ready_again_when_it_returns(services):
    relay = services["relay"]
    if relay is None:
        pytest.skip("the database is a file here (SQLite): PostgreSQL is cut off behind a relay")
    port = services["web"].port
    postgres = relay.backend_ports
    relay.backend_ports = [free_port()]  # nothing listens there: refused
    relay.cut()
    body = becomes(port, 503)
    assert body["checks"] == {
        "database": "failed", "redis": "ok", "channel_layer": "ok", "broker": "ok",
    }  # fmt: skip
    relay.backend_ports = postgres
    assert becomes(port, 200)["checks"]["database"] == "ok"


def test_a_hung_service_fails_its_check_instead_of_holding_the_answer(services, tmp_path):
    """A broker that takes the connection and never answers: /readyz does not wait for it
    (it gives each check CHAT_READY_TIMEOUT_SECONDS)."""
    silent = Silent()
    env = {**services["web"].env, "CELERY_BROKER_URL": f"redis://127.0.0.1:{silent.port}/0"}
    web = Daphne("web-hung-broker", env, tmp_path, free_port())
    try:
        web.start()
        status, body = readyz(web.port)
        assert status == 503
        assert body["checks"]["broker"] == "failed"
        # And again, while the first check's connection still hangs.
        status, body = readyz(web.port)
        assert (status, body["checks"]["broker"]) == (503, "failed")
        assert body["checks"]["database"] == "ok"
    finally:
        web.stop()
        silent.close()

"""The probe and metrics paths, answered before Django's middleware: no session, no CSRF,
no HTTPS redirect, no host check; metrics only for the scraper holding the token."""

from __future__ import annotations

import json

import pytest
from channels.testing import HttpCommunicator
from django.core.asgi import get_asgi_application
from django.test import override_settings

from chatproject.health.endpoints import HealthEndpoints

pytestmark = pytest.mark.django_db(transaction=True)

# Production's guards, which a probe addressing the pod by its IP would trip over.
PRODUCTION = {
    "SECURE_SSL_REDIRECT": True,
    "ALLOWED_HOSTS": ["chat.example.com"],
    "CHAT_METRICS_TOKEN": "",
}


@pytest.fixture
def app():
    made: list[HealthEndpoints] = []

    def make(draining: bool = False) -> HealthEndpoints:
        made.append(HealthEndpoints(get_asgi_application(), draining=lambda: draining))
        return made[-1]

    yield make
    for application in made:
        application.close()


async def get(application, path: str, method: str = "GET", headers=()) -> dict:
    communicator = HttpCommunicator(
        application, method, path, headers=[(b"host", b"10.1.2.3:8000"), *headers]
    )
    return await communicator.get_response(timeout=10)


def header(response: dict, name: bytes) -> bytes | None:
    return dict(response["headers"]).get(name)


@override_settings(**PRODUCTION)
async def test_healthz_answers_a_probe_that_any_other_page_would_redirect_or_refuse(app):
    application = app()
    page = await get(application, "/accounts/login/")
    assert page["status"] in (301, 400)  # the HTTPS redirect or the host check
    response = await get(application, "/healthz")
    assert response["status"] == 200
    assert json.loads(response["body"]) == {"status": "ok"}
    assert header(response, b"set-cookie") is None
    assert header(response, b"cache-control") == b"no-store"


@override_settings(**PRODUCTION)
async def test_readyz_answers_ready_on_this_backend_without_a_session(app):
    response = await get(app(), "/readyz")
    assert response["status"] == 200
    body = json.loads(response["body"])
    assert body["status"] == "ok"
    assert {"database", "channel_layer"} <= set(body["checks"])
    assert header(response, b"set-cookie") is None


@override_settings(**PRODUCTION)
async def test_a_stopping_process_is_alive_but_not_ready(app):
    application = app(draining=True)
    assert (await get(application, "/healthz"))["status"] == 200
    response = await get(application, "/readyz")
    assert response["status"] == 503
    assert json.loads(response["body"]) == {"status": "draining"}


@override_settings(**PRODUCTION)
async def test_probes_take_only_get_and_head(app):
    application = app()
    assert (await get(application, "/healthz", "POST"))["status"] == 405
    head = await get(application, "/healthz", "HEAD")
    assert head["status"] == 200
    assert head["body"] == b""


@override_settings(**PRODUCTION)
async def test_metrics_are_off_without_a_token(app):
    assert (await get(app(), "/metrics"))["status"] == 404


@override_settings(**{**PRODUCTION, "CHAT_METRICS_TOKEN": "scrape-secret"})
async def test_metrics_refuse_a_caller_without_the_token(app):
    application = app()
    missing = await get(application, "/metrics")
    assert missing["status"] == 401
    assert header(missing, b"www-authenticate") == b'Bearer realm="metrics"'
    wrong = await get(application, "/metrics", headers=[(b"authorization", b"Bearer guess")])
    assert wrong["status"] == 401
    assert b"chat_" not in wrong["body"]


@override_settings(**{**PRODUCTION, "CHAT_METRICS_TOKEN": "scrape-secret"})
async def test_metrics_answer_the_scraper_with_the_token(app):
    response = await get(app(), "/metrics", headers=[(b"authorization", b"Bearer scrape-secret")])
    assert response["status"] == 200
    assert header(response, b"content-type").startswith(b"text/plain")
    assert b"python_info" in response["body"] or b"process_" in response["body"]

"""Fixtures shared by the non-browser tests: real database, real channel layer, real sessions.

Both backends run the same suite: SQLite and the in-memory layer with no environment,
PostgreSQL and Redis with DATABASE_URL and REDIS_URL.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from asgiref.sync import SyncToAsync
from channels.layers import channel_layers
from django.conf import settings
from django.core.management.commands import flush as flush_command
from django.db import connections
from django.test.utils import override_settings
from django.utils import translation

from chat.models import Thread
from tests.drivers import ChatDriver, drain_background
from tests.factories import make_thread, make_user

TESTS_DIR = Path(__file__).resolve().parent
ASSISTANTS_DIR = TESTS_DIR / "assistants"
BROWSER_DIR = TESTS_DIR / "browser"


# -- process-wide ---------------------------------------------------------------------
def pytest_configure(config):
    # WhiteNoise warns that collectstatic has not run; tests serve no static files.
    config.addinivalue_line("filterwarnings", "ignore:No directory at:UserWarning")


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """Two runs at once (a developer and CI, say) must not share one SQLite test file."""
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        test = database.setdefault("TEST", {})
        name = Path(test.get("NAME") or Path(database["NAME"]).with_name("test.sqlite3"))
        test["NAME"] = str(name.with_name(f"{name.stem}-{os.getpid()}{name.suffix}"))


# What post_migrate would write back after every flush: content types, permissions, the site.
REFERENCE_TABLES = {"django_content_type", "auth_permission", "django_site"}


@pytest.fixture(scope="session", autouse=True)
def _quick_flush():
    """Each transactional test ends with a flush, and Django's costs ~0.5 s: PostgreSQL
    TRUNCATEs every table, and then post_migrate writes content types, permissions and the
    site back, on either backend. Here the flush keeps those reference rows (so post_migrate
    has nothing to do) and empties the other tables with DELETE, ~10 ms for the few rows a
    test leaves. Django's foreign keys are deferrable, so the order of the DELETEs does not
    matter inside the flush's transaction."""
    original_sql_flush = flush_command.sql_flush
    original_post_migrate = flush_command.emit_post_migrate_signal

    def sql_flush(style, connection, reset_sequences=True, allow_cascade=False):
        tables = [
            table
            for table in connection.introspection.django_table_names(
                only_existing=True, include_views=False
            )
            if table not in REFERENCE_TABLES
        ]
        if connection.vendor == "postgresql" and not reset_sequences:
            return ["SET CONSTRAINTS ALL DEFERRED"] + [
                # Table names from Django's own introspection, quoted.
                f"DELETE FROM {connection.ops.quote_name(table)};"  # noqa: S608
                for table in tables
            ]
        return connection.ops.sql_flush(
            style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )

    flush_command.sql_flush = sql_flush
    flush_command.emit_post_migrate_signal = lambda *args, **kwargs: None
    yield
    flush_command.sql_flush = original_sql_flush
    flush_command.emit_post_migrate_signal = original_post_migrate


@pytest.fixture(autouse=True)
def _fast_password_hasher(request):
    """Hashing with the production hasher costs ~0.3 s per user; tests need not pay it.

    Browser tests are left alone: their server process must verify the hashes they make.
    """
    if BROWSER_DIR in Path(str(request.node.path)).parents:
        yield
        return
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test counts rate limits (sign-ins, messages) from zero: its own key prefix in
    the cache, so nothing is flushed from a Redis that Celery and the channel layer share."""
    caches = {name: dict(config) for name, config in settings.CACHES.items()}
    caches["default"]["KEY_PREFIX"] = f"test-{uuid.uuid4().hex[:12]}"
    with override_settings(CACHES=caches):
        yield


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request made through Django's test
    client runs in the test's own thread, and the language its middleware activated (a
    Japanese sign-up, say) would otherwise stay for the tests after it."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fresh_channel_layer():
    """Each test gets its own layer: layers hold queues and pools bound to one event loop."""
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture(scope="session", autouse=True)
def _websockets_name_their_host():
    """In-process sockets carry the Host header every browser sends (channels' test
    communicator sends none): the origin check compares the page's origin with it."""
    from channels.testing import WebsocketCommunicator

    original = WebsocketCommunicator.__init__

    def __init__(self, application, path, headers=None, *args, **kwargs):
        headers = list(headers or [])
        if not any(name.lower() == b"host" for name, _ in headers):
            headers.append((b"host", b"localhost"))
        original(self, application, path, headers, *args, **kwargs)

    WebsocketCommunicator.__init__ = __init__
    yield
    WebsocketCommunicator.__init__ = original


@pytest.fixture(scope="session")
def _executor_connections_closed(django_db_setup):
    """The async ORM keeps a connection open in asgiref's executor thread; PostgreSQL will
    not drop the test database while it is open. Close it before the database goes."""
    yield
    SyncToAsync.single_thread_executor.submit(connections.close_all).result()


@pytest.fixture(autouse=True)
def _close_executor_connections_at_the_end(request):
    # Only for a run that uses the database: requesting it sets the database up.
    if request.node.get_closest_marker("django_db") or {"db", "transactional_db"} & set(
        request.fixturenames
    ):
        request.getfixturevalue("_executor_connections_closed")


# -- people and threads ------------------------------------------------------------------
@pytest.fixture
def user(db):
    return make_user(email="alice@example.com", display_name="Alice")


@pytest.fixture
def other_user(db):
    return make_user(email="mallory@example.com")


@pytest.fixture
def thread(user) -> Thread:
    return make_thread(user)


# -- assistants ------------------------------------------------------------------------------
@pytest.fixture
def use_assistant() -> Callable[[str], str]:
    """Loads a test assistant (a name under tests/assistants/, or a path) for one test.

    The configured assistant is loaded back afterwards, so the next test sees it again.
    """
    from chat.engine.assistant import load

    def use(name: str) -> str:
        target = name if name.endswith(".py") or "/" in name else str(ASSISTANTS_DIR / f"{name}.py")
        load(target, force=True)
        return target

    yield use
    load(settings.CHAT_ASSISTANT, force=True)


# -- language models -------------------------------------------------------------------------
@pytest.fixture
def fake_llm():
    """A local model server speaking OpenAI's, Mistral's and Anthropic's APIs (tests/fake_llm)."""
    from tests.fake_llm import FakeLLMServer

    server = FakeLLMServer(slow_seconds=2.0).start()
    yield server
    server.stop()


# -- chat sessions -------------------------------------------------------------------------
@pytest.fixture
async def background():
    """Depend on this from async tests that start chat sessions or sockets."""
    yield
    await drain_background()


@pytest.fixture
async def open_chat(background):
    """Opens chat sessions on threads; closes them (and waits for their hooks) afterwards."""
    drivers: list[ChatDriver] = []

    async def open_(thread: Thread, user) -> ChatDriver:
        driver = ChatDriver(thread, user)
        drivers.append(driver)
        return await driver.open()

    yield open_
    for driver in drivers:
        await driver.close()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Browser tests run last: Playwright's sync API keeps an event loop marked as running in
    the main thread while its browser is open, and async tests after it could not start."""
    items.sort(key=lambda item: "tests/browser/" in item.nodeid.replace("\\", "/"))

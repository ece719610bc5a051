"""With DEBUG on, Django's log of every query is kept only when DEBUG_SQL asks for it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


def run_a_query() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def test_debug_alone_does_not_log_every_query(settings):
    settings.DEBUG, settings.DEBUG_SQL = True, False
    connection.queries_log.clear()
    run_a_query()
    assert connection.queries == []


def test_debug_sql_keeps_the_log(settings):
    settings.DEBUG, settings.DEBUG_SQL = True, True
    connection.queries_log.clear()
    run_a_query()
    assert [q["sql"] for q in connection.queries] == ["SELECT 1"]


def test_counting_queries_works_whatever_the_settings(settings):
    settings.DEBUG, settings.DEBUG_SQL = False, False
    with CaptureQueriesContext(connection) as captured:
        run_a_query()
    assert len(captured.captured_queries) == 1


def test_the_database_is_still_djangos_own_kind():
    assert connection.vendor in ("sqlite", "postgresql")
    assert connection.settings_dict["ENGINE"].startswith("chatproject.serving.db.")


def test_a_statement_sent_again_takes_its_new_parameters():
    # SQLite's placeholders are rewritten once per statement's text.
    for value in ("first", "second"):
        with connection.cursor() as cursor:
            cursor.execute("SELECT %s, '100%%', %s", [value, 2])
            assert cursor.fetchone() == (value, "100%", 2)
            cursor.execute("SELECT %(word)s", {"word": value})
            assert cursor.fetchone() == (value,)

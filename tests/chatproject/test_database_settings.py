"""PostgreSQL from its parts (POSTGRES_HOST, ...), as docker-compose.yml gives it: the
password reaches the connection as it is, where a URL would need it escaped."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "p@ss:w/rd#1?%&"

SHOW = """
import json, django
django.setup()
from django.conf import settings
from django.db import connection
database = settings.DATABASES["default"]
if "--connect" in __import__("sys").argv:
    connection.ensure_connection()
keys = ("ENGINE", "HOST", "PORT", "NAME", "USER", "PASSWORD")
print(json.dumps({key: str(database[key]) for key in keys}))
"""


def settings_with(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "POSTGRES_"))}
    base.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-c", SHOW, *args],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "chatproject.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_postgresql_parts_keep_a_password_with_url_characters_as_it_is():
    result = settings_with(
        {"POSTGRES_HOST": "db", "POSTGRES_USER": "chat", "POSTGRES_PASSWORD": PASSWORD}
    )
    assert result.returncode == 0, result.stderr
    database = json.loads(result.stdout)
    assert database["ENGINE"].endswith("postgresql")
    assert (database["HOST"], database["PORT"], database["NAME"]) == ("db", "5432", "chat")
    assert (database["USER"], database["PASSWORD"]) == ("chat", PASSWORD)


def test_database_url_wins_over_the_parts():
    result = settings_with(
        {"DATABASE_URL": "postgres://u:pw@elsewhere:5433/x", "POSTGRES_HOST": "db"}
    )
    database = json.loads(result.stdout)
    assert (database["HOST"], database["NAME"], database["PASSWORD"]) == ("elsewhere", "x", "pw")


def test_without_either_the_embedded_sqlite_is_used():
    database = json.loads(settings_with({}).stdout)
    assert database["ENGINE"].endswith("sqlite3")


@pytest.mark.django_db
def test_the_parts_connect_to_a_real_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("needs the services backend (DATABASE_URL on PostgreSQL)")
    db = connection.settings_dict
    result = settings_with(
        {
            "POSTGRES_HOST": db["HOST"] or "127.0.0.1",
            "POSTGRES_PORT": str(db["PORT"] or 5432),
            "POSTGRES_DB": db["NAME"],
            "POSTGRES_USER": db["USER"],
            "POSTGRES_PASSWORD": db["PASSWORD"] or "",
        },
        "--connect",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["NAME"] == db["NAME"]

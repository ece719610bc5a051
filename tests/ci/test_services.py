"""`.ci/services.sh`, which `.ci/test` sources: PostgreSQL and Redis for the services run,
started (and given the URL's role and database) when missing, stopped again at the end,
and left alone when they already ran."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.services import PYTHON, ROOT

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("pg_createcluster") or not shutil.which("redis-server"),
    reason="needs root, Debian's PostgreSQL wrappers (pg_createcluster) and redis-server",
)

# What .ci/test gives the sourced file, then services_up; "UP" once both answer.
SCRIPT = """
set -euo pipefail
say() { printf '==> %s\\n' "$*"; }
die() { printf 'FATAL: %s\\n' "$*" >&2; exit 1; }
as_root() { "$@"; }
source .ci/services.sh
trap services_down EXIT
services_up
echo UP
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answers(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(2)
        return sock.connect_ex((host, port)) == 0


def clusters() -> str:
    return subprocess.run(
        ["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=True
    ).stdout


def services(database_url: str, redis_url: str, tmp_path: Path, **env: str):
    return subprocess.run(
        ["bash", "-c", SCRIPT],
        cwd=ROOT,
        env={
            **os.environ,
            "PY": PYTHON,
            "LOGS": str(tmp_path),
            "SERVICES_DATABASE_URL": database_url,
            "SERVICES_REDIS_URL": redis_url,
            **env,
        },
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def running_redis(tmp_path):
    """A Redis of this test's own, running before the services start."""
    port = free_port()
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            if answers(port) or process.poll() is not None:
                break
            time.sleep(0.1)
        assert answers(port), "the test's own Redis did not start"
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_missing_postgresql_is_made_with_the_urls_role_and_database_and_removed_at_the_end(
    tmp_path, running_redis
):
    pg_port = free_port()
    user, database = f"ci_{uuid.uuid4().hex[:8]}", "ci_db"
    result = services(
        f"postgres://{user}:p%40ss@127.0.0.1:{pg_port}/{database}",
        f"redis://127.0.0.1:{running_redis}/0",
        tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "UP" in result.stdout
    assert f"Creating the PostgreSQL role {user}" in result.stdout
    assert f"Creating the PostgreSQL database {database}" in result.stdout
    assert "PostgreSQL: " in result.stdout  # a real login, with the URL's password
    # Gone again, and the Redis that already ran is left running.
    assert not answers(pg_port)
    assert f"chat_ci_{pg_port} " not in clusters()
    assert answers(running_redis)
    assert "redis-cli" not in result.stdout


def test_a_missing_redis_is_started_and_stopped_at_the_end(tmp_path):
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("uses the running PostgreSQL of the services backend (DATABASE_URL)")
    redis_port = free_port()
    result = services(url, f"redis://127.0.0.1:{redis_port}/0", tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Starting Redis on 127.0.0.1:{redis_port}" in result.stdout
    assert "PostgreSQL is not answering" not in result.stdout
    assert not answers(redis_port)
    assert answers(urlsplit(url).port or 5432)


def test_a_service_that_cannot_be_reached_stops_the_run_saying_which(tmp_path, running_redis):
    # 127.0.0.2 is not this machine's usual address: nothing is started for it.
    port = free_port()
    result = services(
        f"postgres://root@127.0.0.2:{port}/test",
        f"redis://127.0.0.1:{running_redis}/0",
        tmp_path,
        SERVICES_WAIT_SECONDS="2",
    )
    assert result.returncode != 0
    assert f"PostgreSQL is not reachable on 127.0.0.2:{port}" in result.stderr
    assert "UP" not in result.stdout

"""The optional vector path: hybrid retrieval on PostgreSQL 16 with pgvector.

Debian's PostgreSQL 15 has no pgvector, so this starts its own server from the pgserver
package (PostgreSQL 16 + pgvector, a test dependency) and runs pgvector_cases.py in a
pytest of its own against it. It runs once, in the embedded run (no DATABASE_URL); the
server it starts is its own either way.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

import pytest

ROOT = Path(__file__).resolve().parents[3]
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable
CASES = Path(__file__).with_name("pgvector_cases.py")

pytestmark = [
    pytest.mark.skipif(
        bool(os.environ.get("DATABASE_URL")),
        reason="runs once, in the embedded run (it starts a PostgreSQL with pgvector of its own)",
    ),
    pytest.mark.filterwarnings("ignore:XDG_RUNTIME_DIR is not set"),
]


@pytest.fixture(scope="module")
def pgvector_url():
    import pgserver

    # Its info lines would be written at exit, after pytest closed the streams.
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    # A short path: the server's unix socket lives there.
    data = Path(tempfile.mkdtemp(prefix="pgv-", dir="/tmp"))
    # pg_ctl gets 10 s to start it, which a busy machine may need more than once.
    for attempt in range(3):
        try:
            server = pgserver.get_server(data, cleanup_mode="stop")
            break
        except subprocess.SubprocessError:
            if attempt == 2:
                raise
    try:
        yield f"postgres://postgres@{quote(str(data), safe='')}/postgres"
    finally:
        server.cleanup()
        shutil.rmtree(data, ignore_errors=True)


def test_hybrid_retrieval_on_postgresql_with_pgvector(pgvector_url, tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PYTEST") and k not in ("REDIS_URL", "CHAT_RAG_EMBEDDINGS_URL")
    }
    env.update({"DATABASE_URL": pgvector_url, "CHAT_VAR_DIR": str(tmp_path / "var")})
    result = subprocess.run(
        [PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(CASES)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert "\n6 passed in" in result.stdout, result.stdout[-2000:]

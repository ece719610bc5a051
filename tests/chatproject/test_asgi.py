"""Loading the server leaves nothing behind in the context every connection inherits."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Loads the server as daphne does, then lists the context variables set in the context
# that every connection's tasks are copied from.
LOAD_AND_LIST = """
import contextvars
import chatproject.asgi
print(sorted(var.name for var in contextvars.copy_context()))
"""


def test_start_up_sets_no_context_variable_that_every_database_call_would_carry(tmp_path):
    # asgiref moves each context variable across threads on every database call, so
    # what start-up (warm-up rendering included) leaves set slows every message down.
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "chatproject.settings",
        "CHAT_VAR_DIR": str(tmp_path),
    }
    env.pop("DATABASE_URL", None)
    loaded = subprocess.run(
        [sys.executable, "-c", LOAD_AND_LIST],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    assert loaded.stdout.strip().splitlines()[-1] == "[]"

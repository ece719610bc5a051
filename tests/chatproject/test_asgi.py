"""Loading the server, as daphne does: what it leaves behind for every connection."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Loads the server as daphne does, then prints how many objects the garbage collector
# leaves alone, and the context variables set in the context every task is copied from.
LOAD_AND_LIST = """
import contextvars, gc
import chatproject.asgi
print(gc.get_freeze_count())
print(sorted(var.name for var in contextvars.copy_context()))
"""


def load_server(tmp_path) -> list[str]:
    """What LOAD_AND_LIST prints, one line each, in a fresh process."""
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
    return loaded.stdout.strip().splitlines()[-2:]


def test_start_up_sets_no_context_variable_that_every_database_call_would_carry(tmp_path):
    # asgiref moves each context variable across threads on every database call, so
    # what start-up (warm-up rendering included) leaves set slows every message down.
    assert load_server(tmp_path)[1] == "[]"


def test_what_start_up_loaded_is_left_out_of_garbage_collections(tmp_path):
    frozen = int(load_server(tmp_path)[0])
    assert frozen > 10_000  # Django's and the project's modules, templates, the assistant

"""The model settings: an unknown provider stops the start with a message that says why."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_an_unknown_provider_stops_the_start_and_names_the_choices():
    env = {**os.environ, "CHAT_LLM_PROVIDER": "gemini"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "CHAT_LLM_PROVIDER must be openai, anthropic or mistral, not 'gemini'" in result.stderr

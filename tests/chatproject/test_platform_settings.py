"""Platform settings that are worked out from others when the process starts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SHOW = """
import django
django.setup()
from django.conf import settings
print(settings.CHAT_TEAMS_TOKEN_URL)
"""


def token_url(env: dict[str, str]) -> str:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "CHAT_TEAMS"))}
    result = subprocess.run(
        [sys.executable, "-c", SHOW],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "chatproject.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout.strip()


def test_a_teams_bot_gets_its_token_from_its_tenant_or_from_botframework():
    assert token_url({}) == "https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token"
    assert token_url({"CHAT_TEAMS_TENANT_ID": "0d4e-tenant"}) == (
        "https://login.microsoftonline.com/0d4e-tenant/oauth2/v2.0/token"
    )
    given = "https://login.example.com/token"
    assert token_url({"CHAT_TEAMS_TENANT_ID": "t", "CHAT_TEAMS_TOKEN_URL": given}) == given

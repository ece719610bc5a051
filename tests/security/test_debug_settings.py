"""Debug pages only when asked for: DEBUG is off unless DEBUG=1 (which `manage.py runchat`
sets for local use), a start without SECRET_KEY stops with a clear message, and the HSTS
options come from the environment."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.security.servers import free_port
from tests.services import PYTHON, ROOT

SECRET = "production-secret-for-tests-" + "x" * 40


def environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    """This machine's environment without the test suite's own settings."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTEST", "DJANGO_", "CHAT_")) and k not in ("DEBUG", "SECRET_KEY")
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    return {**env, "CHAT_VAR_DIR": str(tmp_path / "var"), "PYTHONUNBUFFERED": "1", **extra}


def run(code: str, tmp_path: Path, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env={**environment(tmp_path, **extra), "DJANGO_SETTINGS_MODULE": "chatproject.settings"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_debug_is_off_when_not_asked_for(tmp_path):
    result = run(
        "from django.conf import settings; print(settings.DEBUG)", tmp_path, SECRET_KEY=SECRET
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split()[-1] == "False"


def test_a_start_without_secret_key_stops_with_a_clear_message(tmp_path):
    result = run("print('started')", tmp_path)
    assert result.returncode != 0
    assert "started" not in result.stdout
    assert "ImproperlyConfigured: SECRET_KEY is not set" in result.stderr
    assert not (tmp_path / "var" / "secret_key").exists()


def test_debug_on_request_keeps_a_local_secret(tmp_path):
    result = run("from django.conf import settings; print(settings.DEBUG)", tmp_path, DEBUG="1")
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split()[-1] == "True"
    assert (tmp_path / "var" / "secret_key").exists()


def test_runchat_runs_locally_with_debug_and_the_demo_account(tmp_path):
    """With nothing set, as a developer first runs it: migrated, the demo account made."""
    port = free_port()
    with (tmp_path / "runchat.log").open("w+") as log:
        process = subprocess.Popen(
            [PYTHON, "manage.py", "runchat", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=environment(tmp_path),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            output = ""
            for _ in range(1200):
                log.seek(0)
                output = log.read()
                if "Sign in as demo@example.com / demo-password-123" in output:
                    break
                if process.poll() is not None:
                    break
                time.sleep(0.1)
            assert "Sign in as demo@example.com / demo-password-123" in output, output[-3000:]
        finally:
            process.terminate()
            process.wait(timeout=30)


HSTS = (
    "from django.http import HttpResponse; from django.test import RequestFactory; "
    "from django.middleware.security import SecurityMiddleware; "
    "request = RequestFactory().get('/', secure=True, HTTP_HOST='chat.example.com'); "
    "print(SecurityMiddleware(lambda r: HttpResponse())(request)['Strict-Transport-Security'])"
)


@pytest.mark.parametrize(
    ("env", "header"),
    [
        ({}, "max-age=31536000; includeSubDomains; preload"),
        ({"SECURE_HSTS_PRELOAD": "0"}, "max-age=31536000; includeSubDomains"),
        (
            {"SECURE_HSTS_PRELOAD": "0", "SECURE_HSTS_INCLUDE_SUBDOMAINS": "0"},
            "max-age=31536000",
        ),
    ],
)
def test_hsts_options_come_from_the_environment(tmp_path, env, header):
    production = {"SECRET_KEY": SECRET, "ALLOWED_HOSTS": "chat.example.com", **env}
    result = run(HSTS, tmp_path, **production)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == header

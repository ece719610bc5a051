"""Hardening: a Content-Security-Policy that no page needs to loosen (no inline script or
handler anywhere), and under production settings (DEBUG off) secure cookies, HSTS,
X-Frame-Options, a referrer policy, and a clean `manage.py check --deploy`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from tests.chat.rendering.test_markdown import tags_of
from tests.factories import make_thread, make_user

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
SECRET = "production-secret-for-tests-" + "x" * 40
PRODUCTION = {
    "SECRET_KEY": SECRET,
    "DEBUG": "0",
    "ALLOWED_HOSTS": "chat.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://chat.example.com",
}


def csp_directives(header: str) -> dict[str, list[str]]:
    parts = [part.split() for part in header.split(";") if part.strip()]
    return {part[0]: part[1:] for part in parts}


# -- the policy ----------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("where", ["login", "signup", "chat", "admin", "mfa"])
def test_every_page_forbids_inline_and_foreign_script(client, where):
    staff = make_user("root@corp.example", is_staff=True, is_superuser=True)
    if where in ("chat", "admin", "mfa"):
        client.force_login(staff)
    url = {
        "login": reverse("account_login"),
        "signup": reverse("account_signup"),
        "chat": reverse("chat:thread", args=[make_thread(staff).id]),
        "admin": reverse("admin:index"),
        "mfa": reverse("mfa_index"),
    }[where]
    response = client.get(url)
    assert response.status_code == 200
    policy = csp_directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'self'"]
    # And the page needs nothing more: no inline script, no handler attribute.
    for tag, attrs in tags_of(response.content.decode()):
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        if tag == "script":
            assert attrs.get("src") or attrs.get("type") == "application/json", attrs


def inline_code(text: str) -> list[str]:
    found = []
    for match in re.finditer(r"<script\b([^>]*)>", text, flags=re.IGNORECASE):
        attributes = match.group(1)
        if "src=" not in attributes and "application/json" not in attributes:
            found.append(match.group(0))
    found += re.findall(r"\son[a-z]+\s*=\s*[\"']", text)
    found += re.findall(r"javascript:", text, flags=re.IGNORECASE)
    return found


def test_no_template_carries_inline_script_or_handlers():
    offenders = {}
    for template in TEMPLATES.rglob("*.html"):
        found = inline_code(template.read_text())
        if found:
            offenders[str(template.relative_to(ROOT))] = found
    assert offenders == {}


@pytest.mark.django_db
def test_the_policy_can_be_changed_or_turned_off(client, settings):
    settings.CHAT_CSP = "default-src 'self'"
    assert client.get(reverse("account_login"))["Content-Security-Policy"] == "default-src 'self'"
    settings.CHAT_CSP = ""
    assert "Content-Security-Policy" not in client.get(reverse("account_login"))


@pytest.mark.django_db
def test_a_files_own_sandbox_policy_is_kept(client, user, thread):
    from chat.models import Element

    element = Element.objects.create(thread=thread, kind="text", name="t", content="hi")
    client.force_login(user)
    response = client.get(reverse("chat:element_file", args=[element.id]))
    assert "sandbox" in response["Content-Security-Policy"]


# -- production settings ----------------------------------------------------------------------
def run_production(code: str, tmp_path: Path, **extra: str) -> subprocess.CompletedProcess:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_"))},
        **PRODUCTION,
        "DJANGO_SETTINGS_MODULE": "chatproject.settings",
        "CHAT_VAR_DIR": str(tmp_path / "var"),
        "STATIC_ROOT": str(tmp_path / "static"),
        **extra,
    }
    env.pop("DATABASE_URL", None)  # SQLite in tmp: nothing here writes
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_check_deploy_is_clean_with_production_variables(tmp_path):
    result = run_production(
        "import sys; from django.core.management import execute_from_command_line as run; "
        "run(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])",
        tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


RESPONSE_PROBE = """
import json, django
django.setup()
from django.core.management import call_command
call_command("collectstatic", "--noinput", verbosity=0)
call_command("migrate", verbosity=0)
from django.test import Client
client = Client()
plain = client.get("/accounts/login/", HTTP_HOST="chat.example.com")
page = client.get("/accounts/login/", HTTP_HOST="chat.example.com", secure=True)
from django.contrib.auth import get_user_model
get_user_model().objects.create_user(email="p@corp.example", password="a-long-prod-password-1")
signin = client.post(
    "/accounts/login/",
    {"login": "p@corp.example", "password": "a-long-prod-password-1",
     "csrfmiddlewaretoken": page.cookies["csrftoken"].value},
    HTTP_HOST="chat.example.com", secure=True, HTTP_REFERER="https://chat.example.com/accounts/login/",
)
cookies = {name: dict(morsel.items()) for name, morsel in client.cookies.items()}
print(json.dumps({
    "plain": [plain.status_code, plain.get("Location")],
    "headers": dict(page.headers),
    "signin": signin.status_code,
    "cookies": cookies,
}))
"""


def test_production_sends_the_security_headers_and_secure_cookies(tmp_path):
    result = run_production(RESPONSE_PROBE, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["plain"] == [301, "https://chat.example.com/accounts/login/"]
    headers = probe["headers"]
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert csp_directives(headers["Content-Security-Policy"])["script-src"] == ["'self'"]
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert probe["signin"] == 302
    session, csrf = probe["cookies"]["sessionid"], probe["cookies"]["csrftoken"]
    assert session["secure"]
    assert session["httponly"]
    assert session["samesite"] == "Lax"
    assert csrf["secure"]

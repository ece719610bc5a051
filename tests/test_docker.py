"""The image and docker-compose.yml: dependencies installed before the code is copied, and
a PostgreSQL password that reaches the app as it is, whatever its characters."""

from __future__ import annotations

import ipaddress
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "Dockerfile"
# Every character a URL would need escaped.
PASSWORD = "p@ss:w/rd#1?%&"


def instructions() -> list[str]:
    """The Dockerfile's instructions, continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def index_of(prefix: str) -> int:
    found = [n for n, line in enumerate(instructions()) if line.startswith(prefix)]
    assert found, f"no instruction starts with {prefix!r}"
    return found[0]


def test_the_image_installs_the_dependencies_before_it_copies_the_code():
    lines = instructions()
    copy_pyproject = index_of("COPY pyproject.toml")
    install_dependencies = index_of("RUN python -c")
    copy_code = index_of("COPY . .")
    assert copy_pyproject < install_dependencies < copy_code
    assert "pip install -r" in lines[install_dependencies]
    # After the code only the project itself is installed: nothing is downloaded again.
    after = [line for line in lines[copy_code:] if "pip install" in line]
    assert after == ["RUN pip install --no-deps ."]


@pytest.mark.parametrize(("extras", "expected"), [("", []), ("llm, elements", ["llm", "elements"])])
def test_the_dependency_layer_lists_the_projects_dependencies_and_extras(
    tmp_path, extras, expected
):
    """The layer's command, run as the image runs it, with pyproject.toml alone beside it."""
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    command = instructions()[index_of("RUN python -c")].removeprefix("RUN ")
    listing = command.split(" > ")[0]
    result = subprocess.run(
        [sys.executable, *shlex.split(listing)[1:]],
        cwd=tmp_path,
        env={**os.environ, "EXTRAS": extras},
        capture_output=True,
        text=True,
        check=True,
    )
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = list(project["dependencies"])
    for extra in expected:
        wanted += project["optional-dependencies"][extra]
    assert result.stdout.split() == wanted


def compose_available() -> bool:
    if not shutil.which("docker"):
        return False
    version = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
    return version.returncode == 0


@pytest.mark.skipif(not compose_available(), reason="needs the docker client with compose")
def test_compose_hands_the_postgres_password_to_the_app_as_it_is(tmp_path):
    result = subprocess.run(
        ["docker", "compose", "-f", str(ROOT / "docker-compose.yml"), "config", "--format", "json"],
        cwd=tmp_path,
        env={**os.environ, "SECRET_KEY": "compose-config-only", "POSTGRES_PASSWORD": PASSWORD},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout)
    for name in ("migrate", "web-1", "web-2", "worker", "beat"):
        environment = config["services"][name]["environment"]
        assert environment["POSTGRES_PASSWORD"] == PASSWORD
        assert environment["POSTGRES_HOST"] == "db"
        assert "DATABASE_URL" not in environment
    assert config["services"]["db"]["environment"]["POSTGRES_PASSWORD"] == PASSWORD


def test_the_app_gets_postgresql_in_parts_not_as_a_url_with_the_password_inside():
    """Read without docker: web and worker share the x-app environment."""
    yaml = pytest.importorskip("yaml")
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    environment = compose["x-app"]["environment"]
    assert "DATABASE_URL" not in environment
    assert environment["POSTGRES_HOST"] == "db"
    assert (
        environment["POSTGRES_PASSWORD"]
        == compose["services"]["db"]["environment"]["POSTGRES_PASSWORD"]
    )
    assert environment["POSTGRES_USER"] == compose["services"]["db"]["environment"]["POSTGRES_USER"]
    assert environment["POSTGRES_DB"] == compose["services"]["db"]["environment"]["POSTGRES_DB"]


NGINX_CONF = ROOT / "deploy" / "nginx" / "nginx.conf"


def compose_file() -> dict:
    yaml = pytest.importorskip("yaml")
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def command_of(service: dict) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else command


def nginx_directives() -> list[str]:
    """nginx.conf's directives, comments dropped, one per item."""
    text = re.sub(r"#.*", "", NGINX_CONF.read_text())
    return [" ".join(d.split()) for d in re.split(r"[;{}]", text) if d.strip()]


def test_two_web_processes_run_the_same_app_and_only_the_proxy_is_published():
    services = compose_file()["services"]
    webs = [name for name, s in services.items() if "daphne" in command_of(s)]
    assert webs == ["web-1", "web-2"]
    assert services["web-1"]["command"] == services["web-2"]["command"]
    assert services["web-1"]["environment"] == services["web-2"]["environment"]
    published = [name for name, s in services.items() if s.get("ports")]
    assert published == ["proxy"]


def test_the_proxy_is_an_official_nginx_round_robin_over_both_without_affinity():
    compose = compose_file()
    proxy = compose["services"]["proxy"]
    assert proxy["image"].startswith("nginx:")
    assert "./deploy/nginx/nginx.conf:/etc/nginx/nginx.conf:ro" in proxy["volumes"]
    directives = nginx_directives()
    servers = [d.split()[1] for d in directives if d.startswith("server ")]
    assert servers == ["web-1:8000", "web-2:8000"]
    # Round robin is nginx's default: no hashing, no least_conn, no sticky cookie.
    for affinity in ("ip_hash", "hash ", "sticky", "least_conn", "random"):
        assert not any(d.startswith(affinity) for d in directives), affinity
    # Websockets pass through, and the forwarded headers the app believes from it.
    for header in ("Upgrade $http_upgrade", "Connection $connection_upgrade",
                   "X-Forwarded-For $proxy_add_x_forwarded_for",
                   "X-Forwarded-Proto $forwarded_proto"):  # fmt: skip
        assert f"proxy_set_header {header}" in directives


def test_the_app_trusts_the_proxy_at_its_fixed_address():
    compose = compose_file()
    address = compose["services"]["proxy"]["networks"]["default"]["ipv4_address"]
    subnet = compose["networks"]["default"]["ipam"]["config"][0]["subnet"]
    assert ipaddress.ip_address(address) in ipaddress.ip_network(subnet)
    trusted = compose["x-app"]["environment"]["CHAT_TRUSTED_PROXIES"]
    assert trusted == "${CHAT_TRUSTED_PROXIES:-" + address + "}"


def test_migrations_run_once_before_the_web_processes_start():
    services = compose_file()["services"]
    migrating = [name for name, s in services.items() if "manage.py migrate" in command_of(s)]
    assert migrating == ["migrate"]
    for name in ("web-1", "web-2", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }


def test_one_worker_and_one_beat_run_the_jobs_and_the_periodic_work():
    services = compose_file()["services"]
    beats = [name for name, s in services.items() if " beat" in command_of(s)]
    workers = [name for name, s in services.items() if " worker" in command_of(s)]
    assert (beats, workers) == (["beat"], ["worker"])


def test_the_web_healthcheck_asks_readiness():
    check = " ".join(compose_file()["services"]["web-1"]["healthcheck"]["test"])
    assert '"/readyz"' in check

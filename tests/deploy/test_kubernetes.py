"""deploy/kubernetes/: plain manifests that validate against Kubernetes' own schemas
(offline, with kubernetes-validate), probes on /readyz and /healthz, sockets drained before
a pod stops, one beat, the settings split between a ConfigMap and a Secret as .env.example
names them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")
kubernetes_validate = pytest.importorskip("kubernetes_validate")

ROOT = Path(__file__).resolve().parents[2]
MANIFESTS = ROOT / "deploy" / "kubernetes"
# The oldest release with the preStop `sleep` action, and the newest the validator knows.
VERSIONS = ("1.30.0", kubernetes_validate.latest_version())


def documents() -> list[tuple[str, dict]]:
    found = []
    for path in sorted(MANIFESTS.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        for document in yaml.safe_load_all(path.read_text()):
            if document:
                found.append((path.name, document))
    return found


def resource(kind: str, name: str) -> dict:
    matches = [d for _, d in documents() if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(matches) == 1, f"{kind}/{name}"
    return matches[0]


def container(deployment: str) -> dict:
    spec = resource("Deployment", deployment)["spec"]["template"]["spec"]
    (only,) = spec["containers"]
    return only


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(
    ("file", "document"),
    documents(),
    ids=[f"{f}:{d['kind']}/{d['metadata']['name']}" for f, d in documents()],
)
def test_each_manifest_matches_the_kubernetes_schema_strictly(file, document, version):
    kubernetes_validate.validate(document, version, strict=True)


def test_the_validator_refuses_a_field_kubernetes_does_not_know():
    deployment = resource("Deployment", "chat-web")
    deployment["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["periodSecond"] = 5
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, VERSIONS[-1], strict=True)


def test_kustomize_applies_everything_but_the_migration_job():
    listed = yaml.safe_load((MANIFESTS / "kustomization.yaml").read_text())["resources"]
    files = {path.name for path in MANIFESTS.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(listed) == files - {"migrate.yaml"}


def test_web_pods_are_ready_by_readyz_alive_by_healthz_and_drain_before_stopping():
    web = container("chat-web")
    assert web["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert web["livenessProbe"]["httpGet"]["path"] == "/healthz"
    pause = web["lifecycle"]["preStop"]["sleep"]["seconds"]
    grace = resource("Deployment", "chat-web")["spec"]["template"]["spec"][
        "terminationGracePeriodSeconds"
    ]
    answers = int(resource("ConfigMap", "chat-config")["data"]["CHAT_SHUTDOWN_GRACE_SECONDS"])
    assert pause > 0
    assert grace > pause + answers
    assert web["resources"]["requests"]["memory"]
    assert web["resources"]["limits"]["memory"]


def test_exactly_one_beat_replaced_never_doubled():
    beats = [d for _, d in documents() if d["kind"] == "Deployment" and "beat" in str(d)]
    assert [b["metadata"]["name"] for b in beats] == ["chat-beat"]
    assert beats[0]["spec"]["replicas"] == 1
    assert beats[0]["spec"]["strategy"]["type"] == "Recreate"


def test_every_setting_is_a_variable_of_env_example_and_secrets_are_in_the_secret():
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), re.M))
    config = resource("ConfigMap", "chat-config")["data"]
    secret = resource("Secret", "chat-secrets")["stringData"]
    assert set(config) <= listed, set(config) - listed
    assert set(secret) <= listed, set(secret) - listed
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "CHAT_METRICS_TOKEN"} <= set(secret)
    assert not set(config) & {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "CHAT_METRICS_TOKEN"}


def test_every_app_container_runs_one_image_with_both_halves_of_the_settings():
    images = set()
    for _, document in documents():
        if document["kind"] not in ("Deployment", "Job"):
            continue
        for app in document["spec"]["template"]["spec"]["containers"]:
            images.add(app["image"])
            sources = [next(iter(s.values()))["name"] for s in app["envFrom"]]
            assert sources == ["chat-config", "chat-secrets"]
    assert len(images) == 1


def test_the_ingress_reaches_the_web_service_with_timeouts_long_enough_for_sockets():
    ingress = resource("Ingress", "chat")
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend["name"] == resource("Service", "chat-web")["metadata"]["name"]
    timeout = ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-read-timeout"]
    assert int(timeout) >= 3600

"""The sample Grafana dashboard (deploy/grafana/chat.json) asks only for metrics the
processes export, under their exported names (a counter's `_total`, a histogram's
`_bucket`), so that none of its panels stays empty for a typo or a rename."""

from __future__ import annotations

import json
import re
from pathlib import Path

from prometheus_client import REGISTRY

import chat.engine.metrics  # noqa: F401 (registers the chat's metrics)
import chatproject.serving.redis_channel_layer  # noqa: F401 (its send failures)
from chat.engine import queue_metrics

DASHBOARD = Path(__file__).resolve().parents[2] / "deploy" / "grafana" / "chat.json"
# Metric names are the identifiers of ours and of prometheus-client's process collector.
METRIC = re.compile(r"\b((?:chat|process|python)_[a-z0-9_]+)\b")


def expressions() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]


# The series each type of metric is exported as.
SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "gauge": ("",),
    "summary": ("", "_count", "_sum", "_created"),
    "info": ("_info",),
}


def exported_names() -> set[str]:
    """Every series the registry's collectors export, from what they declare: the
    queue collector's collecting would query the database."""
    queue_metrics.register()
    names: set[str] = set()
    for collector in set(REGISTRY._collector_to_names):
        describe = getattr(collector, "describe", None)
        for family in describe() if describe else collector.collect():
            names.update(family.name + suffix for suffix in SUFFIXES[family.type])
    return names


def test_every_query_names_only_exported_metrics():
    names = exported_names()
    asked = {name for expr in expressions() for name in METRIC.findall(expr)}
    assert asked, "the dashboard asks for nothing"
    assert asked - names == set()


def test_the_dashboard_covers_runs_models_jobs_and_sockets():
    asked = {name for expr in expressions() for name in METRIC.findall(expr)}
    for needed in (
        "chat_runs_total",
        "chat_first_token_seconds_bucket",
        "chat_llm_call_duration_seconds_bucket",
        "chat_llm_calls_total",
        "chat_llm_tokens_total",
        "chat_jobs",
        "chat_job_runs_total",
        "chat_broker_queue_length",
        "chat_websockets_open",
    ):
        assert needed in asked, needed


def test_the_check_catches_a_misspelt_metric():
    assert "chat_runs" not in exported_names()  # a counter is exported as chat_runs_total
    assert "chat_runs_total" in exported_names()

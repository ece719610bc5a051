"""What /metrics reads at each scrape rather than counts: the jobs waiting and running
(from the database, so every web process reports the same, whichever process or worker
runs them) and the broker's queue (Redis), the depth of all background work.

Read at scrape time in Django's sync thread (chatproject.health calls generate_latest
there). A store that does not answer leaves its metric out of that scrape, rather than
failing /metrics; /readyz tells what is down.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from django.conf import settings
from django.db.models import Count
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector

from chat.models import Job

logger = logging.getLogger(__name__)

REDIS_TIMEOUT_SECONDS = 0.5


def _job_counts() -> dict[str, int]:
    counts = {status.value: 0 for status in Job.Status}
    for row in Job.objects.values("status").annotate(count=Count("pk")):
        counts[row["status"]] = row["count"]
    return counts


def _broker_queue_length() -> int | None:
    url = settings.CELERY_BROKER_URL
    if settings.CHAT_JOBS_IN_PROCESS or not url.startswith(("redis://", "rediss://")):
        return None
    import redis

    client = redis.Redis.from_url(
        url, socket_timeout=REDIS_TIMEOUT_SECONDS, socket_connect_timeout=REDIS_TIMEOUT_SECONDS
    )
    try:
        return int(client.llen(settings.CELERY_TASK_DEFAULT_QUEUE))
    finally:
        client.close()


class QueueCollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            counts = _job_counts()
        except Exception:
            logger.warning("/metrics: no job counts (the database did not answer)", exc_info=True)
        else:
            jobs = GaugeMetricFamily(
                "chat_jobs",
                "Stored jobs (@cl.job) by status; queued ones wait for a worker. The same on "
                "every process.",
                labels=["status"],
            )
            for status, count in counts.items():
                jobs.add_metric([status], count)
            yield jobs
        try:
            length = _broker_queue_length()
        except Exception:
            logger.warning("/metrics: no queue length (the broker did not answer)", exc_info=True)
            length = None
        if length is not None:
            yield GaugeMetricFamily(
                "chat_broker_queue_length",
                "Tasks waiting in the Celery queue (jobs and document reading).",
                value=length,
            )

    def describe(self) -> Iterator[GaugeMetricFamily]:
        # The names, without a query: registering must not touch the database.
        yield GaugeMetricFamily("chat_jobs", "", labels=["status"])
        yield GaugeMetricFamily("chat_broker_queue_length", "")


_registered = False


def register() -> None:
    """Adds the collector to the default registry, once."""
    global _registered
    if not _registered:
        REGISTRY.register(QueueCollector())
        _registered = True

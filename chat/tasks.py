"""Celery tasks: thin edges that hand the work to the engine."""

from __future__ import annotations

from asgiref.sync import async_to_sync
from celery import shared_task
from django.db import close_old_connections

from chat.engine import jobs
from chat.engine.assistant import ensure_loaded


# A job writes messages, so running it twice is not safe: a lost worker fails it instead.
@shared_task(name="chat.run_job", acks_late=True, reject_on_worker_lost=False)
def run_job(job_id: str) -> None:
    ensure_loaded()
    try:
        # One event loop for the whole job: the channel layer keeps one connection.
        async_to_sync(jobs.run)(job_id)
    finally:
        close_old_connections()

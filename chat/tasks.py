"""Celery tasks: thin edges that hand the work to the engine."""

from __future__ import annotations

from asgiref.sync import async_to_sync
from celery import shared_task
from django.db import close_old_connections

from chat.engine import jobs
from chat.engine.assistant import ensure_loaded
from chat.rag import library


# A job writes messages, so running it twice is not safe: a lost worker fails it instead.
@shared_task(name="chat.run_job", acks_late=True, reject_on_worker_lost=False)
def run_job(job_id: str) -> None:
    ensure_loaded()
    try:
        # One event loop for the whole job: the channel layer keeps one connection.
        async_to_sync(jobs.run)(job_id)
    finally:
        close_old_connections()


# Reading a library document again replaces its passages, so a lost worker's task is
# safely handed to another.
@shared_task(name="chat.read_library_document", acks_late=True, reject_on_worker_lost=True)
def read_library_document(document_id: str) -> None:
    try:
        async_to_sync(library.read)(document_id)
    finally:
        close_old_connections()

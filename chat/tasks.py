"""Celery tasks: thin edges that hand the work to the engine.

Each task carries the name the engine's runner sends (chat.engine.runner) and runs the
work registered under it; the names never change, so work queued by an older release runs.
"""

from __future__ import annotations

from celery import shared_task
from django.db import close_old_connections

from chat.engine import feedback_hook, jobs, runner
from chat.engine.assistant import ensure_loaded
from chat.rag import library


# A job writes messages, so running it twice is not safe: a lost worker fails it instead.
@shared_task(name=jobs.RUN_JOB, acks_late=True, reject_on_worker_lost=False)
def run_job(job_id: str) -> None:
    ensure_loaded()
    try:
        runner.run_here(jobs.RUN_JOB, job_id)
    finally:
        close_old_connections()


# Reading a library document again replaces its passages, so a lost worker's task is
# safely handed to another.
@shared_task(name=library.READ_DOCUMENT, acks_late=True, reject_on_worker_lost=True)
def read_library_document(document_id: str) -> None:
    try:
        runner.run_here(library.READ_DOCUMENT, document_id)
    finally:
        close_old_connections()


# The app's @cl.on_feedback on a stored rating: it may call outside services, so a lost
# worker's call is not made twice.
@shared_task(name=feedback_hook.FEEDBACK_HOOK, acks_late=True, reject_on_worker_lost=False)
def run_feedback_hook(feedback_id: str) -> None:
    ensure_loaded()
    try:
        runner.run_here(feedback_hook.FEEDBACK_HOOK, feedback_id)
    finally:
        close_old_connections()

"""Documents stored as users upload them, and jobs run in this process on both backends."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from chat.engine import uploads
from chat.models import Element, Thread
from chat.rag.models import Document


@pytest.fixture(autouse=True)
def _media_and_jobs(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Ingestion runs as a job; here in this process on both backends (the worker path is
    # covered by tests/test_celery_jobs.py).
    settings.CHAT_JOBS_IN_PROCESS = True


def upload(thread: Thread, user, name: str, data: bytes) -> Element:
    """A file as the composer uploads it: checked, sniffed and stored, pending."""
    limits = uploads.Limits(accept=("*/*",), max_bytes=10 * 1024 * 1024, max_files=10)
    return uploads.store(thread, user, [SimpleUploadedFile(name, data)], limits)[0]


def document_for(element: Element, *, library: bool = False) -> Document:
    return Document.objects.create(
        owner=element.thread.owner,
        thread=None if library else element.thread,
        element=element,
        name=element.name,
        mime=element.mime,
    )

"""A library document's file goes with its row, however the row goes: removed by its
owner, or with its team library, its group or its owner's account."""

from __future__ import annotations

from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from chat.rag.models import Document


@receiver(post_delete, sender=Document, dispatch_uid="rag-document-file")
def delete_file(sender: Any, instance: Document, **kwargs: Any) -> None:
    if instance.file:
        # Once the deletion is committed: a rollback keeps both.
        transaction.on_commit(lambda name=instance.file.name: default_storage.delete(name))

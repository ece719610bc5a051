"""Moving an install's files from local disk to the configured storage (a bucket), under
the same names, so that every stored row keeps pointing at its file.

Safe to run again: a file already there with the same size is left alone, so an
interrupted run is finished by the next one. Nothing is deleted from the disk.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps
from django.core.files.storage import FileSystemStorage
from django.db import models


class SameStorage(ValueError):
    """The source folder is the storage itself: there is nothing to copy."""


@dataclass
class CopyReport:
    copied: list[str] = field(default_factory=list)
    already_there: list[str] = field(default_factory=list)
    # Named by a stored row, but neither on the disk nor in the storage.
    missing: list[str] = field(default_factory=list)
    bytes_copied: int = 0


def _files_under(root: Path) -> Iterator[tuple[str, int]]:
    for folder, _dirs, names in os.walk(root):
        for name in sorted(names):
            path = Path(folder) / name
            yield path.relative_to(root).as_posix(), path.stat().st_size


def referenced_names() -> set[str]:
    """Every file name a row of any model holds in a FileField."""
    names: set[str] = set()
    for model in apps.get_models():
        for model_field in model._meta.get_fields():
            if isinstance(model_field, models.FileField):
                column = model_field.name
                names.update(
                    model._default_manager.exclude(**{column: ""})
                    .exclude(**{f"{column}__isnull": True})
                    .values_list(column, flat=True)
                )
    return names


def copy_files(root: Path, target: Any, *, dry_run: bool = False) -> CopyReport:
    """Copies every file under `root` into `target` under its relative name."""
    if isinstance(target, FileSystemStorage) and Path(target.location).resolve() == root.resolve():
        raise SameStorage(f"{root} is the storage itself: set CHAT_STORAGE_S3_BUCKET first.")
    source = FileSystemStorage(location=str(root))
    report = CopyReport()
    for name, size in _files_under(root) if root.is_dir() else ():
        if target.exists(name):
            if target.size(name) == size:
                report.already_there.append(name)
                continue
            if not dry_run:  # a copy cut short by an earlier run
                target.delete(name)
        report.copied.append(name)
        report.bytes_copied += size
        if dry_run:
            continue
        with source.open(name, "rb") as handle:
            saved = target.save(name, handle)
        if saved != name:  # the storage renamed it: the rows would point at nothing
            target.delete(saved)
            raise RuntimeError(f"The storage stored {name} as {saved}; stopped.")
    on_disk = set(report.copied) | set(report.already_there)
    report.missing = sorted(
        name for name in referenced_names() - on_disk if not target.exists(name)
    )
    return report

"""`manage.py copy_files_to_storage`: an install's files on disk moved into a bucket under
the same names, so every stored row finds its file there; again, it copies nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from chat.models import Element


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("copy_files_to_storage", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_files_on_disk_are_copied_under_their_names_and_the_run_says_so(
    s3_server, settings, tmp_path, thread
):
    disk = tmp_path / "old-media"
    (disk / "uploads" / "t1").mkdir(parents=True)
    (disk / "uploads" / "t1" / "notes.txt").write_bytes(b"hello")
    (disk / "library").mkdir()
    (disk / "library" / "hours.txt").write_bytes(b"open at 7" * 1000)
    Element.objects.create(
        thread=thread, kind="file", name="notes.txt", file="uploads/t1/notes.txt"
    )
    Element.objects.create(thread=thread, kind="file", name="gone.txt", file="uploads/t1/gone.txt")
    bucket = s3_server.new_bucket()
    settings.STORAGES = {**settings.STORAGES, "default": s3_server.storage_setting(bucket)}

    out, _ = run("--from", str(disk), "--dry-run")
    assert "Would copy 2 files" in out
    assert s3_server.keys(bucket) == []

    out, err = run("--from", str(disk))
    assert "Copied 2 files" in out
    assert f"to the bucket {bucket}" in out
    assert "library/hours.txt" in out
    assert "uploads/t1/notes.txt" in out
    assert "1 file named in the database is in neither place" in err
    assert "uploads/t1/gone.txt" in err
    assert s3_server.keys(bucket) == ["library/hours.txt", "uploads/t1/notes.txt"]
    assert s3_server.read(bucket, "uploads/t1/notes.txt") == b"hello"
    element = Element.objects.get(name="notes.txt")
    assert element.file.open("rb").read() == b"hello"

    out, _ = run("--from", str(disk))
    assert "Copied 0 files" in out
    assert "2 already there" in out


@pytest.mark.django_db
def test_copying_the_disk_storage_onto_itself_is_refused(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(CommandError, match="CHAT_STORAGE_S3_BUCKET"):
        run()

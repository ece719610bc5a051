"""Stored files on both backends: local disk, and a bucket on moto's S3 server."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.s3_server import S3Server


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory) -> Iterator[S3Server]:
    server = S3Server(tmp_path_factory.mktemp("s3")).start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class Store:
    """Where a test's files go: `bucket` is None on local disk."""

    server: S3Server
    bucket: str | None

    def names(self) -> list[str]:
        from django.conf import settings

        if self.bucket is not None:
            return self.server.keys(self.bucket)
        root = settings.MEDIA_ROOT
        return (
            sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
            if root.exists()
            else []
        )


@pytest.fixture(params=["disk", "s3"])
def store(request, settings, tmp_path, s3_server) -> Store:
    settings.MEDIA_ROOT = tmp_path / "media"
    if request.param == "disk":
        return Store(s3_server, None)
    bucket = s3_server.new_bucket()
    settings.STORAGES = {**settings.STORAGES, "default": s3_server.storage_setting(bucket)}
    return Store(s3_server, bucket)


@pytest.fixture
def bucket_store(settings, tmp_path, s3_server) -> Store:
    settings.MEDIA_ROOT = tmp_path / "media"
    bucket = s3_server.new_bucket()
    settings.STORAGES = {**settings.STORAGES, "default": s3_server.storage_setting(bucket)}
    return Store(s3_server, bucket)

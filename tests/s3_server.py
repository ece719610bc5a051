"""An S3-compatible server on 127.0.0.1 for the tests: moto's server mode, in a process of
its own (so that what it holds never counts against the processes under test)."""

from __future__ import annotations

import socket
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from chatproject.serving import object_storage
from tests.services import PYTHON, free_port

REGION = "us-east-1"
KEY = "test-key"
SECRET = "test-secret"


class S3Server:
    def __init__(self, tmp: Path) -> None:
        self.port = free_port()
        self.log_path = tmp / "moto.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> S3Server:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [PYTHON, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        pytest.fail(f"moto's S3 server did not start:\n{self.log_path.read_text()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def client(self) -> Any:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.url,
            region_name=REGION,
            aws_access_key_id=KEY,
            aws_secret_access_key=SECRET,
        )

    def new_bucket(self) -> str:
        name = f"chat-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def keys(self, bucket: str) -> list[str]:
        found = self.client().list_objects_v2(Bucket=bucket).get("Contents", [])
        return sorted(item["Key"] for item in found)

    def read(self, bucket: str, key: str) -> bytes:
        return self.client().get_object(Bucket=bucket, Key=key)["Body"].read()

    def storage_setting(self, bucket: str) -> dict[str, Any]:
        return object_storage.default_storage(
            bucket=bucket, endpoint_url=self.url, region=REGION, access_key=KEY, secret_key=SECRET
        )

    def environment(self, bucket: str) -> dict[str, str]:
        """The variables a process is given to use the bucket."""
        return {
            "CHAT_STORAGE_S3_BUCKET": bucket,
            "CHAT_STORAGE_S3_ENDPOINT_URL": self.url,
            "CHAT_STORAGE_S3_REGION": REGION,
            "CHAT_STORAGE_S3_ACCESS_KEY_ID": KEY,
            "CHAT_STORAGE_S3_SECRET_ACCESS_KEY": SECRET,
        }

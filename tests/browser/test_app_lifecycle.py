"""@cl.on_app_startup and @cl.on_app_shutdown around a real daphne process."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import ASSISTANTS, Product, http_status

pytestmark = pytest.mark.browser


def test_the_start_hook_runs_once_before_serving_and_the_stop_hook_on_sigterm(
    product: Product, tmp_path: Path
) -> None:
    record = tmp_path / "lifecycle.txt"
    server = product.server(
        "lifecycle",
        CHAT_ASSISTANT=str(ASSISTANTS / "lifecycle.py"),
        CHAT_TEST_LIFECYCLE_FILE=str(record),
    )
    server.start()  # it answered a request: the start hook has run
    assert [line.split()[0] for line in record.read_text().splitlines()] == ["startup"]
    for _ in range(3):
        assert http_status(server.port, "/accounts/login/") == 200

    server.stop()

    lines = record.read_text().splitlines()
    assert [line.split()[0] for line in lines] == ["startup", "shutdown"]
    # Both in the serving process itself.
    assert lines[0].split()[1] == lines[1].split()[1] == str(server.process.pid)

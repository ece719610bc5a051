"""runchat serves an app file from the app's folder, as `chainlit run` runs in it: the
app's relative paths mean its own files, wherever runchat was started from."""

from __future__ import annotations

import os

from chat.devserver.app_folder import enter_app_folder
from tests.chat.management.commands.test_runchat_serving import (  # noqa: F401 - fixtures
    database_url,
    free_port,
    get,
    runchat,
)
from tests.services import ROOT

APP = """from pathlib import Path

import chat.sdk as cl

# Read at import from the app's own folder, as a Chainlit app run from there does.
GREETING = open("data/greeting.txt", encoding="utf-8").read().strip()
print("Greeting read:", GREETING, "from", Path.cwd(), flush=True)


@cl.on_message
async def main(message: cl.Message):
    await cl.Message(content=GREETING).send()
"""


def test_an_app_file_is_served_from_its_own_folder(runchat, tmp_path):  # noqa: F811
    app = tmp_path / "support" / "app.py"
    (app.parent / "data").mkdir(parents=True)
    (app.parent / "data" / "greeting.txt").write_text("Hello from the support desk\n")
    app.write_text(APP)
    port = free_port()
    # Started from the repository, the app given by a path relative to it.
    server = runchat(os.path.relpath(app, ROOT), f"127.0.0.1:{port}", embedded=True)
    server.wait_until(lambda: get(port, "/accounts/login/"), "the sign-in page")
    assert f"Greeting read: Hello from the support desk from {app.parent}" in server.output
    assert f"Assistant: {app}" in server.output


def test_entering_an_app_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    (tmp_path / "app.py").write_text("")
    assert enter_app_folder("chat.assistants.default") is None
    assert os.getcwd() == str(ROOT)
    assert enter_app_folder(str(tmp_path / "app.py")) == tmp_path
    assert os.getcwd() == str(tmp_path)

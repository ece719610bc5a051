"""`manage.py runchat app.py`: a broken assistant stops it before any server starts."""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command


@pytest.fixture(autouse=True)
def _restore_assistant(use_assistant, monkeypatch):
    """runchat loads assistants and may note one in the environment; both come back."""
    monkeypatch.setenv("CHAT_ASSISTANT", os.environ.get("CHAT_ASSISTANT", settings.CHAT_ASSISTANT))
    monkeypatch.setattr(settings, "CHAT_ASSISTANT", settings.CHAT_ASSISTANT)


def test_a_file_with_a_syntax_error_fails_naming_the_file_and_line(tmp_path):
    app = tmp_path / "app.py"
    app.write_text("import chat.sdk as cl\n\n@cl.on_message\nasync def main(message)\n    pass\n")
    with pytest.raises(CommandError) as error:
        call_command("runchat", str(app))
    assert str(app) in str(error.value)
    assert "line 4" in str(error.value)


def test_a_file_raising_at_import_fails_naming_the_file_and_line(tmp_path):
    app = tmp_path / "app.py"
    app.write_text("import chat.sdk as cl\n\nAPI_KEY = __import__('os').environ['NO_SUCH_KEY_X']\n")
    with pytest.raises(CommandError) as error:
        call_command("runchat", str(app))
    assert f"{app}, line 3" in str(error.value)
    assert "NO_SUCH_KEY_X" in str(error.value)


def test_a_relative_path_is_reported_as_the_absolute_file(tmp_path, monkeypatch):
    (tmp_path / "app.py").write_text("raise RuntimeError('boom')\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CommandError) as error:
        call_command("runchat", "app.py")
    assert f"{tmp_path / 'app.py'}, line 1" in str(error.value)


def test_a_missing_file_fails_saying_so(tmp_path):
    with pytest.raises(CommandError, match="not found"):
        call_command("runchat", str(tmp_path / "nowhere.py"))


def test_a_broken_module_fails_before_the_server_is_named(tmp_path, capsys):
    app = tmp_path / "app.py"
    app.write_text("def (\n")
    with pytest.raises(CommandError):
        call_command("runchat", str(app), "127.0.0.1:0")
    assert "Open http" not in capsys.readouterr().out

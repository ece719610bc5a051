"""Loading the assistant: a .py file or a dotted module; a broken one names its file and line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from chat.engine import assistant
from chat.engine.assistant import AssistantLoadError, load
from chat.engine.registry import hooks

GOOD = """\
import chat.sdk as cl


@cl.on_message
async def answer(message: cl.Message):
    await cl.Message(content="hi").send()
"""


def write(folder: Path, name: str, source: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(source))
    return path


@pytest.fixture(autouse=True)
def _restore_assistant(use_assistant):
    """Every test here loads something; the configured assistant comes back afterwards."""


def test_a_py_file_is_loaded_and_registers_its_hooks(tmp_path):
    load(str(write(tmp_path, "app.py", GOOD)), force=True)
    assert hooks.on_message is not None
    assert hooks.on_message.__name__ == "answer"


def test_a_py_file_may_import_its_neighbours(tmp_path):
    write(tmp_path, "prompts.py", 'GREETING = "hello"\n')
    write(
        tmp_path,
        "app.py",
        """\
        import chat.sdk as cl
        from prompts import GREETING


        @cl.on_chat_start
        async def start():
            await cl.Message(content=GREETING).send()
        """,
    )
    load(str(tmp_path / "app.py"), force=True)
    assert hooks.on_chat_start is not None


def test_a_dotted_module_is_loaded():
    load("tests.assistants.echo", force=True)
    assert hooks.on_message is not None
    assert hooks.on_message.__module__ == "tests.assistants.echo"


def test_loading_another_assistant_replaces_the_hooks(tmp_path):
    load("tests.assistants.features", force=True)
    assert hooks.on_chat_start is not None
    load(str(write(tmp_path, "app.py", GOOD)), force=True)
    assert hooks.on_chat_start is None
    assert hooks.on_message.__name__ == "answer"


def test_a_file_with_a_syntax_error_names_the_file_and_the_line(tmp_path):
    path = write(tmp_path, "broken.py", "import chat.sdk as cl\n\n\ndef oops(:\n    pass\n")
    with pytest.raises(AssistantLoadError) as error:
        load(str(path), force=True)
    message = str(error.value)
    assert str(path) in message
    assert "line 4" in message
    assert "SyntaxError" in message


def test_a_file_raising_at_import_names_the_file_and_the_line(tmp_path):
    path = write(
        tmp_path,
        "raising.py",
        """\
        import chat.sdk as cl

        SETTINGS = {}
        MODEL = SETTINGS["model"]
        """,
    )
    with pytest.raises(AssistantLoadError) as error:
        load(str(path), force=True)
    message = str(error.value)
    assert str(path) in message
    assert "line 4" in message
    assert "KeyError" in message


def test_an_error_raised_deeper_names_the_assistants_own_line(tmp_path):
    write(tmp_path, "helper.py", "def connect():\n    raise ConnectionError('no LLM')\n")
    path = write(tmp_path, "app.py", "import helper\n\nclient = helper.connect()\n")
    with pytest.raises(AssistantLoadError) as error:
        load(str(path), force=True)
    assert f"{path}, line 3" in str(error.value)


def test_a_dotted_module_raising_at_import_names_its_file_and_line(tmp_path, monkeypatch):
    path = write(tmp_path, "broken_assistant_mod.py", "x = 1\nraise RuntimeError('no key')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(AssistantLoadError) as error:
        load("broken_assistant_mod", force=True)
    assert f"{path}, line 2" in str(error.value)
    assert "no key" in str(error.value)


def test_a_missing_file_says_so(tmp_path):
    with pytest.raises(AssistantLoadError, match="not found"):
        load(str(tmp_path / "nowhere.py"), force=True)


def test_a_missing_module_says_which(tmp_path):
    with pytest.raises(AssistantLoadError, match="no_such_assistant_module"):
        load("no_such_assistant_module", force=True)


def test_after_a_failed_load_the_configured_assistant_loads_again(tmp_path, settings):
    load(settings.CHAT_ASSISTANT, force=True)
    with pytest.raises(AssistantLoadError):
        load(str(write(tmp_path, "broken.py", "def (\n")), force=True)
    assistant.ensure_loaded()
    assert hooks.on_message is not None


def test_switching_back_to_an_imported_module_registers_its_hooks_again():
    load("tests.assistants.echo")
    load("tests.assistants.features")
    load("tests.assistants.echo")
    assert hooks.on_message.__module__ == "tests.assistants.echo"
    assert hooks.on_chat_start is None

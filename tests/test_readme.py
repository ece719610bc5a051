"""README.md is followed literally by newcomers: its commands paste and run one by one, and
every Python snippet that makes an assistant imports as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from chat.engine.assistant import load
from chat.engine.registry import HookRegistry, hooks

README = Path(__file__).resolve().parents[1] / "README.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.M | re.S)


def blocks(language: str) -> list[tuple[int, str]]:
    """(line, text) of each fenced block of that language."""
    text = README.read_text()
    return [
        (text.count("\n", 0, match.start()) + 1, match.group(2))
        for match in FENCE.finditer(text)
        if match.group(1) == language
    ]


def assistant_blocks() -> list[tuple[int, str]]:
    return [(line, code) for line, code in blocks("python") if "cl." in code]


def registered(registry: HookRegistry) -> list[str]:
    return [name for name, value in vars(registry).items() if value]


@pytest.mark.parametrize(
    "code",
    [code for _, code in assistant_blocks()],
    ids=[f"line {line}" for line, _ in assistant_blocks()],
)
def test_each_assistant_snippet_imports_as_written(code, tmp_path, use_assistant, monkeypatch):
    # The OpenAI snippet's client reads its key when it is made, as the README says.
    monkeypatch.setenv("OPENAI_API_KEY", "sk-readme-test")
    app = tmp_path / "app.py"
    app.write_text(code)
    load(str(app), force=True)
    assert registered(hooks), "the snippet registers no hook"


def test_the_readme_has_assistant_snippets_to_check():
    assert len(assistant_blocks()) >= 7


def test_the_first_run_and_the_test_suite_are_separate_blocks():
    """The first serves until stopped: pasted together, the second would never run."""
    shell = [code for _, code in blocks("sh")]
    first_run = [code for code in shell if "manage.py runchat" in code and "-m venv" in code]
    suite = [code for code in shell if "bash .ci/test" in code]
    assert len(first_run) == 1
    assert suite
    assert all(".ci/test" not in code for code in first_run)
    assert all("runchat" not in code for code in suite)


def test_commands_use_the_projects_python_not_a_bare_python_or_pip():
    bare = re.compile(r"(?:^|[\s;&|(`])(python|pip)(?=\s)")
    commands = [code for _, code in blocks("sh")]
    commands += re.findall(r"`([^`\n]*(?:python|pip)[^`\n]*)`", README.read_text())
    offenders = [command for command in commands if bare.search(command)]
    assert offenders == []

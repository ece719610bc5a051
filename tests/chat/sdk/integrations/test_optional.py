"""The integrations' libraries are optional: without them the SDK imports, the default
assistant runs as the offline demo, and using an integration says what to install."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]

BLOCKED = ("openai", "anthropic", "mistralai", "langchain_core", "llama_index")

SCRIPT = f"""
import importlib.abc, sys

class Missing(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {BLOCKED!r}:
            raise ImportError(f"No module named {{name!r}}")

sys.meta_path.insert(0, Missing())
import django, os
os.environ["DJANGO_SETTINGS_MODULE"] = "chatproject.settings"
django.setup()
import chat.sdk as cl
import chat.assistants.default
assert "instrument_openai" in cl.__all__
for name in ("instrument_openai", "instrument_mistralai", "LangchainCallbackHandler",
             "AsyncLangchainCallbackHandler", "LlamaIndexCallbackHandler"):
    try:
        value = getattr(cl, name)
        if name.startswith("instrument_"):
            value()
    except ImportError as error:
        print(error)
    else:
        raise SystemExit(f"{{name}} imported without its library")
print("ok")
"""


def test_the_sdk_and_the_default_assistant_work_without_the_llm_libraries():
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PATH": "/usr/bin:/bin", "CHAT_VAR_DIR": str(ROOT / "var"), "DEBUG": "1"},
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == "ok"
    assert lines[:-1] == [
        "cl.instrument_openai needs the openai package: pip install openai",
        "cl.instrument_mistralai needs the mistralai package: pip install mistralai",
        "cl.LangchainCallbackHandler needs the langchain-core package: pip install langchain-core",
        "cl.AsyncLangchainCallbackHandler needs the langchain-core package: "
        "pip install langchain-core",
        "cl.LlamaIndexCallbackHandler needs the llama-index-core package: "
        "pip install llama-index-core",
    ]

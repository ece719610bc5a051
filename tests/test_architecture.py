"""The floors of the code, as pyproject.toml declares them for import-linter, and no
import cycle between the product's modules."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ("chat", "accounts", "chatproject")


def test_every_import_contract_is_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """The groups of modules that import each other, directly or not (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_no_product_module_is_part_of_an_import_cycle():
    graph = grimp.build_graph(*PRODUCT, cache_dir=None)
    assert cycles(graph) == []


def named_in(text: str) -> tuple[set[str], set[str]]:
    """The file paths and the dotted names of the product's code that a text quotes."""
    import re

    quoted = re.findall(r"`([^`\s]+)`", text)
    # Paths from the project's root; a folder's own entries ("db/") are named in its row.
    tops = ("chat/", "chatproject/", "accounts/", "templates/", "static/", "tests/", "bench/")
    paths = {q.rstrip("/") for q in quoted if q.startswith(tops) and "<" not in q}
    dotted = {q for q in quoted if re.fullmatch(r"(chat|chatproject|accounts)(\.\w+)+", q)}
    return paths, dotted


def resolves(name: str) -> bool:
    """Whether a dotted name is a module, or an attribute of one (a class, a method)."""
    import importlib

    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attribute in parts[cut:]:
            if not hasattr(found, attribute):
                return False
            found = getattr(found, attribute)
        return True
    return False


def test_every_file_and_module_the_architecture_map_names_exists():
    paths, dotted = named_in((ROOT / "docs" / "architecture.md").read_text())
    assert len(paths) > 20
    assert len(dotted) > 10
    missing = [p for p in sorted(paths) if not (ROOT / p.split(" ")[0]).exists()]
    assert not missing, f"docs/architecture.md names files that do not exist: {missing}"
    unresolved = [name for name in sorted(dotted) if not resolves(name)]
    assert not unresolved, f"docs/architecture.md names modules that do not exist: {unresolved}"


def test_the_readme_layout_points_to_the_map_and_names_only_existing_folders():
    readme = (ROOT / "README.md").read_text()
    layout = readme[readme.index("## Layout") : readme.index("## Tests")]
    assert "(docs/architecture.md)" in layout
    rows = [line.split("|")[1].strip() for line in layout.splitlines() if line.startswith("| `")]
    folders = [cell.strip("`").split("`")[0] for cell in rows]
    assert [f for f in folders if not (ROOT / f).exists()] == []

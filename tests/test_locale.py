"""The translations: every counted wording has as many forms as its language needs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parents[1] / "locale"
CATALOGUES = sorted(LOCALE.glob("*/LC_MESSAGES/django.po"))


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=lambda p: p.parts[-3])
def test_each_plural_has_every_form_of_its_language(catalogue: Path) -> None:
    text = catalogue.read_text(encoding="utf-8")
    forms = int(re.search(r"nplurals=(\d+);", text).group(1))
    for entry in text.split("\n\n"):
        if "\nmsgid_plural " not in entry and not entry.startswith("msgid_plural "):
            continue
        found = re.findall(r"^msgstr\[(\d+)\]", entry, re.MULTILINE)
        assert [int(n) for n in found] == list(range(forms)), entry


def test_arabic_has_six_plural_forms() -> None:
    text = (LOCALE / "ar" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    assert "nplurals=6;" in text


def test_no_wording_counts_with_a_bracketed_s() -> None:
    root = LOCALE.parent
    sources = [
        *root.glob("chat/**/*.py"),
        *root.glob("accounts/**/*.py"),
        *root.glob("templates/**/*.html"),
        *root.glob("static/chat/*.js"),
    ]
    offenders = [
        f"{path.relative_to(root)}: {line.strip()}"
        for path in sources
        for line in path.read_text(encoding="utf-8").splitlines()
        # A word ending in "(s)", as in "file(s)"; not a call such as `_step(s)`.
        if re.search(r"(?<![\w.])[A-Za-z]+\(s\)(?=[\s.,:;!?<\"']|$)", line)
        and "http(s)" not in line
    ]
    assert offenders == []

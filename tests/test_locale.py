"""The translations: every language offered is complete, compiled, and counts right."""

from __future__ import annotations

import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.utils.translation import to_locale

LOCALE = Path(__file__).resolve().parents[1] / "locale"
CATALOGUES = sorted(LOCALE.glob("*/LC_MESSAGES/django.po"))
# The sign-in pages' words that django-allauth or Django leave untranslated in a language.
SIGN_IN = LOCALE.parent / "accounts" / "sign_in_locale"
SIGN_IN_CATALOGUES = sorted(SIGN_IN.glob("*/LC_MESSAGES/django.po"))
EVERY_CATALOGUE = CATALOGUES + SIGN_IN_CATALOGUES
# Named placeholders of Python's % formatting and of str.format.
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+(?::[^}]*)?\}")
# How many forms a counted wording takes in each language (CLDR's, as gettext writes them).
PLURAL_FORMS = {
    "ar": 6,
    "de": 2,
    "es": 2,
    "fr": 2,
    "hi": 2,
    "it": 2,
    "ja": 1,
    "ko": 1,
    "nl": 2,
    "pl": 3,
    "pt_BR": 2,
    "zh_Hans": 1,
}


@dataclass
class Entry:
    msgid: str = ""
    plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)


def _unquote(line: str) -> str:
    text = line[line.index('"') + 1 : line.rindex('"')]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m[1], m[1]), text)


def read_catalogue(path: Path) -> list[Entry]:
    """Every entry of a .po file, the header (msgid "") first."""
    entries: list[Entry] = []
    current: Entry | None = None
    target = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        starts_entry = line.startswith(("#", "msgid ")) or not line.strip()
        if starts_entry and current is not None and current.msgstr:
            entries.append(current)
            current = None
        if line.startswith("#,"):
            current = current or Entry()
            current.flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("msgid "):
            current = current or Entry()
            current.msgid, target = _unquote(line), "msgid"
        elif line.startswith("msgid_plural "):
            current.plural, target = _unquote(line), "plural"
        elif line.startswith("msgstr"):
            index = int(re.match(r"msgstr(?:\[(\d+)\])?", line)[1] or 0)
            current.msgstr[index], target = _unquote(line), f"msgstr{index}"
        elif line.startswith('"') and current is not None:
            if target == "msgid":
                current.msgid += _unquote(line)
            elif target == "plural":
                current.plural += _unquote(line)
            else:
                index = int(target.removeprefix("msgstr"))
                current.msgstr[index] += _unquote(line)
    if current is not None and current.msgstr:
        entries.append(current)
    return entries


def language(catalogue: Path) -> str:
    return catalogue.parts[-3]


def name(catalogue: Path) -> str:
    return ("sign-in " if catalogue.is_relative_to(SIGN_IN) else "") + language(catalogue)


def test_every_language_offered_has_a_catalogue_and_every_catalogue_is_offered() -> None:
    offered = {to_locale(code) for code, _name in settings.LANGUAGES} - {"en"}
    assert offered == {language(catalogue) for catalogue in CATALOGUES}
    assert set(PLURAL_FORMS) == offered
    assert {language(catalogue) for catalogue in SIGN_IN_CATALOGUES} <= offered
    assert "hi" in {language(catalogue) for catalogue in SIGN_IN_CATALOGUES}


@pytest.mark.parametrize("catalogue", EVERY_CATALOGUE, ids=name)
def test_each_catalogue_is_complete_with_no_entry_empty_or_fuzzy(catalogue: Path) -> None:
    header, *entries = read_catalogue(catalogue)
    assert header.msgid == ""
    # A fuzzy header is skipped when compiling, and its plural rule with it.
    assert "fuzzy" not in header.flags
    assert [e.msgid for e in entries if "fuzzy" in e.flags] == []
    assert [e.msgid for e in entries if not all(e.msgstr.values())] == []


def test_every_catalogue_has_the_same_wordings() -> None:
    wordings = {
        language(catalogue): {(e.msgid, e.plural) for e in read_catalogue(catalogue)[1:]}
        for catalogue in CATALOGUES
    }
    every = set().union(*wordings.values())
    missing = {code: sorted(every - found) for code, found in wordings.items() if every - found}
    assert missing == {}


@pytest.mark.parametrize("catalogue", EVERY_CATALOGUE, ids=name)
def test_translations_keep_every_placeholder(catalogue: Path) -> None:
    wrong = []
    for entry in read_catalogue(catalogue)[1:]:
        wanted = set(PLACEHOLDER.findall(entry.msgid + (entry.plural or "")))
        forms = [entry.msgstr[i] for i in sorted(entry.msgstr)]
        # Forms for a single number ("one", "two") may leave the number out; the last,
        # the general one, has them all.
        fine = set(PLACEHOLDER.findall(forms[-1])) == wanted and all(
            set(PLACEHOLDER.findall(form)) <= wanted for form in forms
        )
        if not fine:
            wrong.append((entry.msgid, forms))
    assert wrong == []


@pytest.mark.parametrize("catalogue", EVERY_CATALOGUE, ids=name)
def test_the_compiled_catalogue_is_the_current_one(catalogue: Path) -> None:
    """The .mo file is what the app reads: it must hold every translation of the .po."""
    with catalogue.with_suffix(".mo").open("rb") as compiled:
        translations = gettext.GNUTranslations(compiled)
    stale = []
    for entry in read_catalogue(catalogue)[1:]:
        if entry.plural is None:
            found = {0: translations.gettext(entry.msgid)}
        else:
            found = {i: translations._catalog.get((entry.msgid, i)) for i in entry.msgstr}
        if found != entry.msgstr:
            stale.append(entry.msgid)
    assert stale == []


@pytest.mark.parametrize("catalogue", EVERY_CATALOGUE, ids=name)
def test_each_catalogue_declares_its_language_s_plural_forms(catalogue: Path) -> None:
    header = read_catalogue(catalogue)[0].msgstr[0]
    assert f"Language: {language(catalogue)}\n" in header
    forms = int(re.search(r"nplurals=(\d+);", header)[1])
    assert forms == PLURAL_FORMS[language(catalogue)]


@pytest.mark.parametrize(
    ("code", "counts"),
    [
        (
            "pl",
            {
                1: "1 plik",
                2: "2 pliki",
                4: "4 pliki",
                5: "5 plików",
                12: "12 plików",
                22: "22 pliki",
                25: "25 plików",
            },
        ),
        ("ar", {1: "1 ملف", 2: "2 ملفان", 3: "3 ملفات", 11: "11 ملفًا", 100: "100 ملف"}),
        ("pt_BR", {0: "0 arquivo", 1: "1 arquivo", 2: "2 arquivos"}),
        ("es", {1: "1 archivo", 2: "2 archivos"}),
        ("hi", {1: "1 फ़ाइल", 3: "3 फ़ाइलें"}),
        ("ja", {1: "1 個のファイル", 7: "7 個のファイル"}),
        ("ko", {1: "파일 1개", 7: "파일 7개"}),
        ("zh_Hans", {1: "1 个文件", 7: "7 个文件"}),
    ],
)
def test_a_count_of_files_reads_right_for_each_number(code: str, counts: dict[int, str]) -> None:
    with (LOCALE / code / "LC_MESSAGES" / "django.mo").open("rb") as compiled:
        translations = gettext.GNUTranslations(compiled)
    said = {
        n: translations.ngettext("%(count)d file", "%(count)d files", n) % {"count": n}
        for n in counts
    }
    assert said == counts


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


@pytest.mark.parametrize(
    ("code", "running", "done"),
    [
        ("en", "Using <strong>&lt;plan&gt;</strong>", "Used <strong>&lt;plan&gt;</strong>"),
        (
            "ja",
            "<strong>&lt;plan&gt;</strong> を使用中",
            "<strong>&lt;plan&gt;</strong> を使用しました",
        ),
        (
            "hi",
            "<strong>&lt;plan&gt;</strong> का उपयोग कर रहा है",
            "<strong>&lt;plan&gt;</strong> का उपयोग किया",
        ),
        (
            "de",
            "Verwendet gerade <strong>&lt;plan&gt;</strong>",
            "Hat <strong>&lt;plan&gt;</strong> verwendet",
        ),
    ],
)
def test_a_step_s_name_sits_where_each_language_puts_it(code, running, done) -> None:
    from types import SimpleNamespace

    from django.template.loader import render_to_string
    from django.utils import translation

    def summary(is_running: bool) -> str:
        step = SimpleNamespace(id="s1", name="<plan>", is_error=False)
        item = SimpleNamespace(
            step=step, running=is_running, superseded=None, generation=None, duration=None
        )
        with translation.override(code):
            return render_to_string("chat/fragments/step_summary.html", {"item": item})

    assert running in summary(True)
    assert done in summary(False)

"""Languages: picked from the browser, changed by the user, remembered; right-to-left too."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts import languages
from tests.factories import make_thread

pytestmark = pytest.mark.django_db


def chat_page(client: Client, user, **headers) -> str:
    thread = make_thread(user)
    return client.get(f"/threads/{thread.id}/", headers=headers).content.decode()


@pytest.fixture
def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_browser_s_language_is_used_at_first(signed_in, user):
    html = chat_page(signed_in, user, accept_language="de-DE,de;q=0.9,en;q=0.5")
    assert '<html lang="de" dir="ltr"' in html
    assert "Neuer Chat" in html
    assert "Senden" in html
    assert "Enter sendet, Umschalt+Enter fügt eine Zeile ein." in html


def test_french_is_offered_complete_too(signed_in, user):
    html = chat_page(signed_in, user, accept_language="fr-FR")
    assert '<html lang="fr" dir="ltr"' in html
    assert "Nouvelle discussion" in html


def test_an_unsupported_browser_language_falls_back_to_english(signed_in, user):
    html = chat_page(signed_in, user, accept_language="ja,zh;q=0.8")
    assert '<html lang="en"' in html
    assert "New chat" in html


def test_a_right_to_left_language_turns_the_page_around(signed_in, user):
    html = chat_page(signed_in, user, accept_language="ar")
    assert '<html lang="ar" dir="rtl"' in html
    assert "محادثة جديدة" in html


def test_the_scripts_get_their_words_in_the_page_s_language(signed_in, user):
    html = chat_page(signed_in, user, accept_language="de")
    assert '<script id="chat-strings" type="application/json">' in html
    assert "Verbindung wird wiederhergestellt" in html


def test_choosing_a_language_is_remembered_in_a_cookie_and_with_the_account(signed_in, user):
    response = signed_in.post("/language/", {"language": "de", "next": "/"})
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "de"
    user.refresh_from_db()
    assert user.language == "de"
    # Another device, whose browser asks for English, gets German too.
    elsewhere = Client()
    elsewhere.force_login(user)
    assert "Neuer Chat" in chat_page(elsewhere, user, accept_language="en")


def test_choosing_a_language_signed_out_sets_only_the_cookie(client):
    response = client.post("/language/", {"language": "de", "next": "/accounts/login/"})
    assert response.cookies["django_language"].value == "de"
    page = client.get("/accounts/login/").content.decode()
    assert '<html lang="de"' in page
    assert "Registrieren" in page


@pytest.mark.parametrize("bad", ["xx", "", "de<script>", "../../etc"])
def test_an_unknown_language_changes_nothing(signed_in, user, bad):
    signed_in.post("/language/", {"language": bad, "next": "/"})
    user.refresh_from_db()
    assert user.language == ""


def test_a_foreign_next_address_is_not_followed(signed_in):
    response = signed_in.post("/language/", {"language": "de", "next": "https://evil.example/"})
    assert "evil.example" not in response.get("Location", "")


def test_the_language_picker_offers_every_language_by_its_own_name(signed_in, user):
    html = chat_page(signed_in, user)
    assert '<option value="de" lang="de">Deutsch</option>' in html
    assert 'lang="ar">' in html
    assert 'value="en" lang="en" selected' in html


def test_the_choice_order_is_account_then_cookie_then_browser(user):
    assert languages.choose(None, None, "de") == "de"
    assert languages.choose(None, "ar", "de") == "ar"
    user.language = "de"
    assert languages.choose(user, "ar", "en") == "de"
    assert languages.choose(None, "zz", "fr-CA, de;q=0.5") == "fr"
    assert languages.choose(None, "zz", "ja, de;q=0.5") == "de"
    assert languages.choose(None, None, "") == "en"


@pytest.mark.parametrize("language", ["de", "fr"])
def test_every_text_is_translated_to_german_and_french(language):
    """These catalogues are complete: no entry left empty or marked fuzzy."""
    from pathlib import Path

    po = Path(__file__).resolve().parents[2] / "locale" / language / "LC_MESSAGES" / "django.po"
    text = po.read_text(encoding="utf-8")
    entries = text.split("\n\n")[1:]  # the header comes first

    def empty(entry: str) -> bool:
        lines = entry.strip().splitlines()
        return any(
            line.startswith("msgstr")
            and line.endswith('""')
            and not (i + 1 < len(lines) and lines[i + 1].startswith('"'))
            for i, line in enumerate(lines)
        )

    assert [e for e in entries if empty(e)] == []
    assert [e for e in entries if "#, fuzzy" in e] == []

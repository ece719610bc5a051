"""Languages: picked from the browser, changed by the user, remembered; right-to-left too."""

from __future__ import annotations

import pytest
from django.core import mail
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


# Accept-Language, the page's lang, and what "New chat", "Send" and "Sign In" read.
EVERY_LANGUAGE = [
    ("fr-FR", "fr", "Nouvelle discussion", "Envoyer", "Se connecter"),
    ("es-ES", "es", "Nuevo chat", "Enviar", "Iniciar sesión"),
    ("it-IT", "it", "Nuova chat", "Invia", "Accedi"),
    ("pt-BR", "pt-br", "Novo chat", "Enviar", "Entrar"),
    ("nl-NL", "nl", "Nieuwe chat", "Versturen", "Inloggen"),
    ("pl-PL", "pl", "Nowy czat", "Wyślij", "Zaloguj się"),
    ("ja-JP", "ja", "新しいチャット", "送信", "サインイン"),
    ("zh-CN", "zh-hans", "新聊天", "发送", "登录"),
    ("ko-KR", "ko", "새 채팅", "보내기", "로그인"),
    ("hi-IN", "hi", "नई चैट", "भेजें", "साइन इन करें"),
    ("ar-EG", "ar", "محادثة جديدة", "إرسال", "تسجيل الدخول"),
]


@pytest.mark.parametrize(
    ("accept", "code", "new_chat", "send", "sign_in"),
    EVERY_LANGUAGE,
    ids=[row[1] for row in EVERY_LANGUAGE],
)
def test_each_language_renders_the_chat_and_the_sign_in_page(
    signed_in, user, client, accept, code, new_chat, send, sign_in
):
    html = chat_page(signed_in, user, accept_language=accept)
    direction = "rtl" if code == "ar" else "ltr"
    assert f'<html lang="{code}" dir="{direction}"' in html
    assert new_chat in html
    assert f">{send}<" in html
    assert "New chat" not in html
    login = client.get("/accounts/login/", headers={"accept_language": accept}).content.decode()
    assert f'<html lang="{code}"' in login
    assert sign_in in login


def test_french_is_offered_complete_too(signed_in, user):
    html = chat_page(signed_in, user, accept_language="fr-FR")
    assert '<html lang="fr" dir="ltr"' in html
    assert "Nouvelle discussion" in html


def test_an_unsupported_browser_language_falls_back_to_english(signed_in, user):
    html = chat_page(signed_in, user, accept_language="sv,fi;q=0.8")
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
    for code, name in [
        ("fr", "Français"),
        ("es", "Español"),
        ("pt-br", "Português Brasileiro"),
        ("ja", "日本語"),
        ("zh-hans", "简体中文"),
        ("ko", "한국어"),
        ("hi", "हिंदी"),
        ("ar", "العربيّة"),
    ]:
        assert f'<option value="{code}" lang="{code}">{name}</option>' in html
    assert 'value="en" lang="en" selected' in html


def test_the_choice_order_is_account_then_cookie_then_browser(user):
    assert languages.choose(None, None, "de") == "de"
    assert languages.choose(None, "ar", "de") == "ar"
    user.language = "de"
    assert languages.choose(user, "ar", "en") == "de"
    assert languages.choose(None, "zz", "fr-CA, de;q=0.5") == "fr"
    assert languages.choose(None, "zz", "sv, de;q=0.5") == "de"
    assert languages.choose(None, None, "zh-CN") == "zh-hans"
    assert languages.choose(None, None, "pt") == "pt-br"
    assert languages.choose(None, None, "") == "en"


def test_the_hindi_sign_up_speaks_hindi_though_allauth_has_no_hindi(client):
    page = client.get("/accounts/signup/", headers={"accept_language": "hi"}).content.decode()
    for hindi in ["साइन अप करें", "पासवर्ड (दोबारा)", "आपका पासवर्ड पूरी तरह से अंकों का नहीं हो सकता।"]:
        assert hindi in page
    for english in ["Sign Up", "Already have an account", "Your password", "Password"]:
        assert english not in page

    client.post(
        "/accounts/signup/",
        {
            "email": "asha@example.com",
            "password1": "Str0ng-pass-123",
            "password2": "Str0ng-pass-123",
        },
        headers={"accept_language": "hi"},
    )
    (message,) = mail.outbox
    assert "कृपया अपने ईमेल पते की पुष्टि करें" in message.subject
    assert "यह सही है, इसकी पुष्टि के लिए" in message.body


@pytest.mark.parametrize(
    ("accept", "wording"),
    [
        ("hi", "यह पासवर्ड बहुत छोटा है। इसमें कम से कम 8 वर्ण होने चाहिए।"),
        ("it", "Questa password è troppo corta. Deve contenere almeno 8 caratteri."),
        ("nl", "Dit wachtwoord is te kort. Het moet minstens 8 tekens bevatten."),
        ("zh-CN", "密码太短。至少需要包含 8 个字符。"),
        ("ar", "كلمة المرور قصيرة جدًا. يجب أن تحتوي على 8 أحرف على الأقل."),
        ("ja", "このパスワードは短すぎます。最低 8 文字以上必要です。"),
    ],
)
def test_a_too_short_password_is_refused_in_the_user_s_language(client, accept, wording):
    page = client.post(
        "/accounts/signup/",
        {"email": "asha@example.com", "password1": "x1y2", "password2": "x1y2"},
        headers={"accept_language": accept},
    ).content.decode()
    assert wording in page

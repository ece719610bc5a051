"""The app's public/ folder, used as Chainlit uses it: served at /public/, its logos (one
per theme) and favicon on every page, and avatars/<author>.* as each author's picture."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test.utils import override_settings

from chat.models import Message
from chat.rendering import fragments, public_folder
from tests.factories import make_message

pytestmark = pytest.mark.django_db
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff"
    b"\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture
def app(tmp_path) -> Path:
    """A Chainlit-style project: app.py with public/ beside it, named by CHAT_ASSISTANT."""
    app = tmp_path / "app.py"
    app.write_text("import chat.sdk as cl\n")
    (tmp_path / "secret.txt").write_text("not public")
    public = tmp_path / "public"
    (public / "avatars").mkdir(parents=True)
    (public / "docs").mkdir()
    (public / "docs" / "guide.txt").write_text("The guide.")
    with override_settings(CHAT_ASSISTANT=str(app)):
        yield tmp_path


def test_a_file_of_the_public_folder_is_served_to_anyone(client, app):
    response = client.get("/public/docs/guide.txt")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"The guide."
    assert response["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize(
    "path", ["/public/../secret.txt", "/public/%2e%2e/secret.txt", "/public/nothing.txt"]
)
def test_nothing_outside_the_folder_or_missing_is_served(client, app, path):
    response = client.get(path)
    assert response.status_code in (400, 404)
    assert b"not public" not in response.content


def test_without_a_public_folder_there_is_nothing_to_serve(client, tmp_path):
    (tmp_path / "app.py").write_text("")
    with override_settings(CHAT_ASSISTANT=str(tmp_path / "app.py")):
        assert client.get("/public/guide.txt").status_code == 404


def test_the_public_logos_show_the_one_of_each_theme(client, app):
    (app / "public" / "logo_light.png").write_bytes(PNG)
    (app / "public" / "logo_dark.png").write_bytes(PNG)
    page = client.get("/accounts/login/").content.decode()
    assert 'class="brand__logo brand__logo--light" src="/public/logo_light.png"' in page
    assert 'class="brand__logo brand__logo--dark" src="/public/logo_dark.png"' in page
    assert client.get("/public/logo_dark.png").status_code == 200


def test_one_public_logo_serves_both_themes(client, app):
    (app / "public" / "logo_dark.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    page = client.get("/accounts/login/").content.decode()
    assert '<img class="brand__logo" src="/public/logo_dark.svg"' in page
    assert "brand__logo--dark" not in page


def test_the_logo_setting_wins_over_the_public_folder(client, app):
    (app / "public" / "logo_light.png").write_bytes(PNG)
    with override_settings(CHAT_UI_LOGO="https://cdn.example/logo.png"):
        page = client.get("/accounts/login/").content.decode()
    assert 'src="https://cdn.example/logo.png"' in page
    assert "/public/logo_light.png" not in page


def test_the_public_favicon_is_the_pages_icon(client, app):
    assert (
        '<link rel="icon" href="/static/chat/favicon.svg">'
        in client.get("/accounts/login/").content.decode()
    )
    (app / "public" / "favicon.ico").write_bytes(b"\x00\x00\x01\x00")
    assert (
        '<link rel="icon" href="/public/favicon.ico">'
        in client.get("/accounts/login/").content.decode()
    )


def test_an_author_with_a_picture_in_avatars_is_drawn_with_it(client, app, thread):
    (app / "public" / "avatars" / "support_bot.png").write_bytes(PNG)
    pictured = make_message(thread, "Hello", author_kind=Message.Author.ASSISTANT)
    pictured.author_name = "Support Bot"
    plain = make_message(thread, "Hi", author_kind=Message.Author.ASSISTANT)
    plain.author_name = "Tool"
    html = fragments.message(pictured)
    assert '<img class="avatar" src="/avatars/Support%20Bot" alt="" aria-hidden="true">' in html
    assert '<span class="avatar" aria-hidden="true">T</span>' in fragments.message(plain)
    response = client.get("/avatars/Support Bot")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG
    assert client.get("/avatars/Tool").status_code == 404


def test_a_picture_or_a_public_folder_added_while_running_shows_within_a_second(
    tmp_path, thread, monkeypatch
):
    app = tmp_path / "app.py"
    app.write_text("import chat.sdk as cl\n")
    message = make_message(thread, "Hello", author_kind=Message.Author.ASSISTANT)
    message.author_name = "Support Bot"
    clock = [1000.0]
    monkeypatch.setattr(public_folder, "_now", lambda: clock[0])
    with override_settings(CHAT_ASSISTANT=str(app)):
        assert '<span class="avatar" aria-hidden="true">S</span>' in fragments.message(message)
        (tmp_path / "public" / "avatars").mkdir(parents=True)
        (tmp_path / "public" / "avatars" / "support_bot.png").write_bytes(PNG)
        clock[0] += 0.5
        # Not looked for again yet; served already (serving looks at the folder itself).
        assert '<span class="avatar" aria-hidden="true">S</span>' in fragments.message(message)
        assert public_folder.avatar_file("Support Bot") is not None
        clock[0] += public_folder.AVATARS_FRESH_SECONDS
        assert 'src="/avatars/Support%20Bot"' in fragments.message(message)


def test_a_picture_taken_away_while_running_is_drawn_as_the_initial_within_a_second(
    app, thread, monkeypatch
):
    picture = app / "public" / "avatars" / "support_bot.png"
    picture.write_bytes(PNG)
    message = make_message(thread, "Hello", author_kind=Message.Author.ASSISTANT)
    message.author_name = "Support Bot"
    clock = [2000.0]
    monkeypatch.setattr(public_folder, "_now", lambda: clock[0])
    assert 'src="/avatars/Support%20Bot"' in fragments.message(message)
    picture.unlink()
    assert public_folder.avatar_file("Support Bot") is None
    clock[0] += public_folder.AVATARS_FRESH_SECONDS
    assert '<span class="avatar" aria-hidden="true">S</span>' in fragments.message(message)


def test_avatar_names_are_chainlits_file_names():
    assert public_folder.avatar_key("Support Bot") == "support_bot"
    assert public_folder.avatar_key("gpt-4.1") == "gpt-4_1"
    assert public_folder.avatar_key("../etc/passwd") is None
    assert public_folder.avatar_key("") is None

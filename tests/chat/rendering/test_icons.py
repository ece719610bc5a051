"""Chainlit's icon names shown as icons from the vendored sprite."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

import chat.sdk as cl
from chat.models import Message
from chat.rendering import chat_start, fragments, icons
from tests.factories import make_message

SPRITE_USE = re.compile(r'<use href="/static/vendor/lucide-1\.87\.0/sprite\.svg#([a-z0-9-]+)"/>')


def test_the_sprite_is_vendored_with_its_licence_and_holds_the_common_names():
    assert finders.find(icons.SPRITE)
    assert finders.find("vendor/lucide-1.87.0/LICENSE")
    for name in ("globe", "sparkles", "mouse-pointer-click", "thumbs-up", "file-text"):
        assert name in icons.names()


@pytest.mark.parametrize(
    ("icon", "kind", "symbol"),
    [
        ("globe", "named", "globe"),
        ("MousePointerClick", "named", "mouse-pointer-click"),  # lucide-react's spelling
        ("no-such-icon", "", ""),
        ("../../etc/passwd", "", ""),
        ('globe"><script>', "", ""),
        ("/public/idea.svg", "image", ""),
        ("🌍", "glyph", ""),
    ],
)
def test_an_icon_is_a_name_a_picture_a_glyph_or_nothing(icon, kind, symbol):
    assert chat_start.icon_kind(icon) == kind
    assert icons.symbol(icon) == symbol


def test_a_starter_with_an_icon_name_points_into_the_sprite():
    options = SimpleNamespace(
        profiles=[],
        starters=[cl.Starter(label="Search the web", message="search", icon="globe")],
        categories=[],
        current=None,
    )
    html = chat_start.chat_start(options, show=True, oob=False)
    assert SPRITE_USE.findall(html) == ["globe"]
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert 'aria-hidden="true"' in svg


@pytest.mark.django_db
def test_an_actions_icon_name_is_drawn_and_an_unknown_name_is_left_out(thread):
    message = make_message(thread, "pick", author_kind=Message.Author.ASSISTANT)
    message.metadata = {
        "actions": [
            {"id": "a1", "name": "go", "label": "Go", "icon": "mouse-pointer-click"},
            {"id": "a2", "name": "odd", "label": "Odd", "icon": "not-in-lucide"},
            {"id": "a3", "name": "star", "label": "Star", "icon": "⭐"},
        ]
    }
    html = fragments.actions(message)
    assert SPRITE_USE.findall(html) == ["mouse-pointer-click"]
    assert "not-in-lucide" not in html
    assert '<span class="action__icon" aria-hidden="true">⭐</span>' in html


def test_the_icon_partial_draws_a_name_from_the_sprite():
    context = {"icon": "sparkles", "icon_kind": chat_start.icon_kind("sparkles")}
    html = render_to_string("chat/fragments/icon.html", context)
    assert SPRITE_USE.findall(html) == ["sparkles"]

"""The start of a chat (picker and starters) as fragments."""

from __future__ import annotations

from django.utils import translation

from chat.rendering import chat_start


def test_the_hidden_start_is_the_same_fragment_in_each_language():
    for language, label in (("fr", "Commencer une discussion"), ("en", "Start a chat")):
        with translation.override(language):
            hidden = chat_start.hidden_start()
            assert hidden == chat_start.chat_start(None, show=False)
            assert hidden == chat_start.hidden_start()  # drawn once, the same each time
        assert f'aria-label="{label}"' in hidden
        assert " hidden" in hidden
        assert 'hx-swap-oob="outerHTML"' in hidden

"""Secrets of stored servers: encrypted at rest with a key from the settings."""

from __future__ import annotations

from chat.mcp_servers.secrets import masked, seal, unseal


def test_sealed_secrets_read_back_and_are_not_plain_text():
    token = seal({"headers": {"Authorization": "Bearer hunter2-token"}})
    assert "hunter2" not in token
    assert unseal(token) == {"headers": {"Authorization": "Bearer hunter2-token"}}


def test_a_rotated_key_still_reads_what_the_old_one_sealed(settings):
    token = seal({"env": {"API_KEY": "k-123"}})
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-and-long-enough-secret-key-for-the-tests-0123456789"
    assert unseal(token) == {"env": {"API_KEY": "k-123"}}
    settings.SECRET_KEY_FALLBACKS = []
    assert unseal(token) == {}


def test_no_secrets_store_nothing_and_masks_show_at_most_two_characters():
    assert seal({"headers": {}, "env": {}}) == ""
    assert unseal("") == {}
    assert masked("Bearer 0123456789ab") == "••••ab"
    assert masked("short") == "••••"

"""Assistants shipped with the project. Each uses the public API only, like a user's app."""

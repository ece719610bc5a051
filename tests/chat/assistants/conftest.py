"""The default assistant with a model (the `model` fixture) for every test module here."""

from tests.chat.assistants.test_model import model  # noqa: F401 (fixture)

"""Assistants written the way Chainlit apps are, loaded by the tests by file path."""

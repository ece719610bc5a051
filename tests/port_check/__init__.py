"""Chainlit apps written as Chainlit apps, run on this project: only the import differs."""

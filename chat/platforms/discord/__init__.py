"""Discord: slash commands (/ask) and buttons through the HTTP interactions endpoint.

Discord has no official Python SDK for HTTP interactions; requests are verified with
PyNaCl (Ed25519, as Discord's documentation shows) and answered with httpx: a deferred
reply at once, then edits of it through the interaction's webhook as the answer streams.
"""

"""Errors whose message is meant for the user: shown in the chat, never a stack trace."""


class UserFacingError(Exception):
    # True when the user's message was refused before it was stored: the page puts its
    # text back in the composer, so nothing typed is lost.
    keeps_draft = False

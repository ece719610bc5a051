"""Errors whose message is meant for the user: shown in the chat, never a stack trace."""


class UserFacingError(Exception):
    pass

"""Connections to tool servers over the Model Context Protocol (the official `mcp` SDK).

What a connection is (`connections`), what may be connected to (`policy`), and one live
connection held by a task of its own (`link`). Nothing here knows about chats: the engine
opens links for a chat session and closes them with it.
"""

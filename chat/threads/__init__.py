"""Stored conversations: looked up with permission, listed, searched, renamed, shared,
exported, rated and removed, for the pages, the admin and the live run alike. Nothing here
runs the assistant: that is chat.engine, one floor up."""

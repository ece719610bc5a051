"""The engine: runs assistant hooks for chat sessions, persists, then pushes HTML."""

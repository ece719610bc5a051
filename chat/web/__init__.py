"""The browser's edges: pages and fragments over HTTP, and the chat's websocket. Thin:
authorise, call a service (chat.engine, chat.threads, chat.rag), render."""

"""Stored MCP server definitions: the company's (from the admin, for everyone or for chosen
groups) and each person's own (from the chat's panel), with their secrets encrypted."""

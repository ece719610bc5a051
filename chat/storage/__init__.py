"""Stored files beyond Django's storage API: a local copy for code that needs a path, and a
download that streams from the store or hands out a short-lived address."""

"""Turning stored conversations into HTML: pure functions of data."""

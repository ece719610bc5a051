"""Model usage: every call's tokens and cost (`recording`), prices (`prices`), and the
quotas people and groups are held to (`quotas`)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models

from accounts.managers import UserManager


class User(AbstractUser):
    """A person who signs in with an email address."""

    username = None  # type: ignore[assignment]
    email = models.EmailField("email address", unique=True)
    display_name = models.CharField(max_length=150, blank=True)
    # The interface language the person chose (a code from LANGUAGES); empty: the browser's.
    language = models.CharField(max_length=16, blank=True)
    # What the sign-in hooks said about the person (cl.User.metadata): role, groups, ...
    metadata = models.JSONField(default=dict, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()  # type: ignore[misc]

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email

    @property
    def identifier(self) -> str:
        """The name Chainlit apps know a user by."""
        return self.email

    @property
    def shown_name(self) -> str:
        return self.display_name or self.get_full_name() or self.email.split("@")[0]

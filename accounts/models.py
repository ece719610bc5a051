from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

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
    # Staff because a group from the identity provider made them so: no longer staff when
    # the provider stops naming such a group (staff made by hand stay).
    staff_from_provider = models.BooleanField(default=False, editable=False)

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


class GroupMapping(models.Model):
    """How one group the identity provider names becomes a group here.

    A row is made the first time a provider names the group (kept as it is); staff rename
    it, ignore it, or let its members be staff or reviewers.
    """

    name = models.CharField(
        _("name at the identity provider"),
        max_length=255,
        unique=True,
        help_text=_("As the provider's groups claim or the SSO proxy's groups header names it."),
    )
    group_name = models.CharField(
        _("group here"),
        max_length=150,
        blank=True,
        help_text=_("The group its members join here; empty: the provider's name."),
    )
    ignored = models.BooleanField(
        _("ignored"), default=False, help_text=_("Its members join no group for it.")
    )
    staff = models.BooleanField(
        _("makes staff"), default=False, help_text=_("Its members may open the admin.")
    )
    reviewer = models.BooleanField(
        _("makes reviewers"),
        default=False,
        help_text=_("Its members read conversations in the admin (the Reviewers group)."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("group from the identity provider")
        verbose_name_plural = _("groups from the identity provider")

    def __str__(self) -> str:
        return self.name

    @property
    def target(self) -> str:
        return (self.group_name or self.name)[:150]


class ProviderMembership(models.Model):
    """A group the identity provider put the person in: taken away again when the provider
    stops naming it. Groups staff gave by hand have no row and are left alone."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="provider_groups")
    group = models.ForeignKey("auth.Group", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "group"], name="provider_membership_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.group_id}"

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class McpServer(models.Model):
    """A tool server: a company one (no owner) or a person's own.

    Header values and environment variables are secrets: stored encrypted (`secrets`),
    never shown back in full.
    """

    class Kind(models.TextChoices):
        HTTP = "streamable-http", _("Streamable HTTP")
        SSE = "sse", _("SSE")
        STDIO = "stdio", _("Local program (stdio)")

    name = models.CharField(_("name"), max_length=64)
    type = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.HTTP)
    url = models.URLField(_("URL"), max_length=2000, blank=True)
    command = models.CharField(_("command"), max_length=500, blank=True)
    args = models.JSONField(_("arguments"), default=list, blank=True)
    # Encrypted JSON {"headers": {...}, "env": {...}} (chat.mcp_servers.secrets).
    secrets = models.TextField(blank=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="mcp_servers",
        help_text=_("Empty for a company server."),
    )
    groups = models.ManyToManyField(
        "auth.Group",
        blank=True,
        related_name="mcp_servers",
        help_text=_("A company server for these groups only; none: for everyone."),
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    user_may_disable = models.BooleanField(
        _("people may switch it off for themselves"), default=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tool server")
        verbose_name_plural = _("tool servers")
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "name"],
                name="mcp_server_owner_name",
                condition=Q(owner__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["name"], name="mcp_server_company_name", condition=Q(owner__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_company(self) -> bool:
        return self.owner_id is None


class McpServerOptOut(models.Model):
    """A person switched a company server off for themselves (where the admin allows it)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    server = models.ForeignKey(McpServer, on_delete=models.CASCADE, related_name="opt_outs")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "server"], name="mcp_opt_out_user_server")
        ]

    def __str__(self) -> str:
        return f"{self.server} off for {self.user}"

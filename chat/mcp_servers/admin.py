"""Company tool servers, defined by staff: for everyone or for chosen groups.

Header values and environment variables are write-only here: the form shows which ones are
kept (masked) and replaces them only when new ones are typed. People's own servers are
theirs alone and are not listed.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from chat.mcp.connections import McpDefinitionError, from_dict
from chat.mcp_servers.models import McpServer
from chat.mcp_servers.secrets import masked, seal, unseal
from chat.mcp_servers.store import McpServerRefused, parse_headers


class CompanyServerForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), max_length=2000, required=False, assume_scheme="https")
    headers = forms.CharField(
        label=_("headers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}),
        help_text=_(
            "One “Name: value” a line (Authorization: Bearer …). Left empty, the kept ones stay."
        ),
    )
    env = forms.CharField(
        label=_("environment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}),
        help_text=_(
            "For a local program: one “NAME: value” a line. Left empty, the kept ones stay."
        ),
    )
    clear_secrets = forms.BooleanField(
        label=_("remove the kept headers and environment"), required=False
    )

    class Meta:
        model = McpServer
        fields = ["name", "type", "url", "command", "args", "groups", "enabled", "user_may_disable"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kept = unseal(self.instance.secrets) if self.instance.pk else {}
        for field in ("headers", "env"):
            values = kept.get(field) or {}
            if values:
                shown = ", ".join(f"{k}: {masked(v)}" for k, v in values.items())
                self.fields[field].help_text = (
                    _("Kept: %(shown)s.") % {"shown": shown}
                    + " "
                    + str(self.fields[field].help_text)
                )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        try:
            self._secrets = {
                "headers": parse_headers(data.get("headers") or ""),
                "env": parse_headers(data.get("env") or ""),
            }
            kept = {} if data.get("clear_secrets") else unseal(self.instance.secrets)
            for field in ("headers", "env"):
                self._secrets[field] = self._secrets[field] or kept.get(field) or {}
            from_dict({**data, **self._secrets, "args": data.get("args") or []})
        except (McpServerRefused, McpDefinitionError) as error:
            raise forms.ValidationError(str(error)) from error
        return data

    def save(self, commit: bool = True) -> McpServer:
        self.instance.owner = None
        self.instance.secrets = seal(self._secrets)
        return super().save(commit)


@admin.register(McpServer)
class McpServerAdmin(admin.ModelAdmin):
    form = CompanyServerForm
    list_display = ("name", "type", "target", "for_groups", "enabled", "user_may_disable")
    list_filter = ("type", "enabled")
    search_fields = ("name", "url", "command")
    filter_horizontal = ("groups",)

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).filter(owner__isnull=True).prefetch_related("groups")

    @admin.display(description=_("URL or command"))
    def target(self, server: McpServer) -> str:
        return server.url or " ".join([server.command, *server.args])

    @admin.display(description=_("for"))
    def for_groups(self, server: McpServer) -> str:
        return ", ".join(g.name for g in server.groups.all()) or str(_("everyone"))

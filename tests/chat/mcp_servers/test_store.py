"""Which servers a person's chats get, and what a person may change: only their own."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from chat.mcp.connections import from_dict
from chat.mcp_servers import store
from chat.mcp_servers.models import McpServer
from chat.mcp_servers.secrets import seal

pytestmark = pytest.mark.django_db


def company(name: str, *groups: Group, may_disable: bool = False, **fields) -> McpServer:
    server = McpServer.objects.create(
        name=name,
        type="streamable-http",
        url=f"https://{name}.example.com/mcp",
        user_may_disable=may_disable,
        secrets=seal({"headers": {"Authorization": "Bearer company-secret-value"}}),
        **fields,
    )
    server.groups.set(groups)
    return server


def personal(user, name: str = "mine") -> McpServer:
    connection = from_dict(
        {
            "name": name,
            "type": "sse",
            "url": "https://tools.example.com/sse",
            "headers": {"X-Key": "personal-secret-value"},
        }
    )
    return store.add_personal(user, connection)


def names(user) -> list[str]:
    return [server.name for server, _ in store.definitions_for(user)]


def test_company_servers_reach_everyone_or_their_groups_only(user, other_user):
    support = Group.objects.create(name="Support")
    user.groups.add(support)
    company("wiki")
    company("tickets", support)
    company("retired", enabled=False)
    assert names(user) == ["tickets", "wiki"]
    assert names(other_user) == ["wiki"]


def test_personal_servers_are_their_owners_alone(user, other_user):
    mine = personal(user)
    assert "mine" in names(user)
    assert names(other_user) == []
    assert [e.name for e in store.entries_for(other_user)] == []
    with pytest.raises(store.McpServerRefused, match="not one of yours"):
        store.remove_personal(other_user, mine.pk)
    assert store.remove_personal(user, mine.pk) == "mine"
    assert names(user) == []


def test_secrets_are_stored_encrypted_and_the_panel_shows_them_masked(user):
    server = personal(user)
    assert "personal-secret-value" not in McpServer.objects.get(pk=server.pk).secrets
    [entry] = store.entries_for(user)
    assert entry.secret_names == ("X-Key",)
    assert entry.masked_secrets == ("••••ue",)
    assert "personal-secret-value" not in repr(entry)
    [(_, connection)] = store.definitions_for(user)
    assert connection.headers == {"X-Key": "personal-secret-value"}


def test_a_name_may_be_used_once_per_person(user):
    company("wiki")
    personal(user, "mine")
    for taken in ("wiki", "mine"):
        with pytest.raises(store.McpServerRefused, match="already a server named"):
            store.check_new_personal(
                user, {"name": taken, "type": "sse", "url": "https://x.example.com/sse"}
            )


def test_a_company_server_is_switched_off_only_where_the_admin_allows(user):
    fixed = company("wiki")
    optional = company("news", may_disable=True)
    with pytest.raises(store.McpServerRefused, match="cannot be switched off"):
        store.switch(user, fixed.pk, on=False)
    store.switch(user, optional.pk, on=False)
    assert names(user) == ["wiki"]
    [news] = [e for e in store.entries_for(user) if e.name == "news"]
    assert news.disabled
    store.switch(user, optional.pk, on=True)
    assert names(user) == ["news", "wiki"]


def test_nobody_switches_off_a_server_of_another_group(user, other_user):
    hidden = company("payroll", Group.objects.create(name="HR"), may_disable=True)
    with pytest.raises(store.McpServerRefused):
        store.switch(other_user, hidden.pk, on=False)
    with pytest.raises(store.McpServerRefused):
        store.find_visible(user, hidden.pk)


def test_headers_are_read_as_name_value_lines():
    assert store.parse_headers("Authorization: Bearer x\n\nX-Team: ops\n") == {
        "Authorization": "Bearer x",
        "X-Team": "ops",
    }
    with pytest.raises(store.McpServerRefused, match="Name: value"):
        store.parse_headers("just a token")

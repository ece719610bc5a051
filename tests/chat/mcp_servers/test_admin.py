"""Staff define company tool servers in the admin: for everyone or for groups, with
write-only secrets; people's own servers are not listed there."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from chat.mcp.connections import from_dict
from chat.mcp_servers import store
from chat.mcp_servers.models import McpServer
from tests.factories import make_user

pytestmark = pytest.mark.django_db

SECRET = "Bearer company-token-0123456789"


@pytest.fixture
def staff() -> Client:
    client = Client()
    client.force_login(make_user(email="root@example.com", is_staff=True, is_superuser=True))
    return client


def add(staff: Client, **fields) -> object:
    data = {
        "name": "tickets",
        "type": "streamable-http",
        "url": "https://tickets.example.com/mcp",
        "command": "",
        "args": "[]",
        "headers": f"Authorization: {SECRET}",
        "env": "",
        "enabled": "on",
        **fields,
    }
    return staff.post(reverse("admin:mcp_servers_mcpserver_add"), data)


def test_a_company_server_added_for_a_group_reaches_its_members_only(staff, user, other_user):
    support = Group.objects.create(name="Support")
    user.groups.add(support)
    response = add(staff, groups=[support.pk])
    assert response.status_code == 302, response.content.decode()[:2000]
    server = McpServer.objects.get(name="tickets")
    assert server.owner is None
    assert SECRET not in server.secrets
    assert [s.name for s, _ in store.definitions_for(user)] == ["tickets"]
    assert store.definitions_for(other_user) == []
    [(_, connection)] = store.definitions_for(user)
    assert connection.headers == {"Authorization": SECRET}


def test_the_change_page_never_shows_a_secret_and_keeps_it_when_left_empty(staff):
    add(staff)
    server = McpServer.objects.get(name="tickets")
    page = staff.get(reverse("admin:mcp_servers_mcpserver_change", args=[server.pk]))
    html = page.content.decode()
    assert "Authorization: ••••89" in html
    assert "company-token" not in html
    response = staff.post(
        reverse("admin:mcp_servers_mcpserver_change", args=[server.pk]),
        {"name": "tickets", "type": "streamable-http", "url": server.url, "args": "[]",
         "headers": "", "env": "", "enabled": "on", "user_may_disable": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    [(_, connection)] = store.definitions_for(make_user())
    assert connection.headers == {"Authorization": SECRET}


def test_a_malformed_server_is_refused_with_the_reason(staff):
    response = add(staff, type="stdio", url="")
    assert response.status_code == 200
    assert "needs a command" in response.content.decode()
    assert not McpServer.objects.exists()


def test_peoples_own_servers_are_not_listed(staff, user):
    store.add_personal(
        user, from_dict({"name": "mine", "type": "sse", "url": "https://x.example.com/sse"})
    )
    add(staff)
    html = staff.get(reverse("admin:mcp_servers_mcpserver_changelist")).content.decode()
    assert "tickets" in html
    assert "mine" not in html

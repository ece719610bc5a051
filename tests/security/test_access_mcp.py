"""Nobody reaches another person's tool servers: not their names, addresses or secrets, over
the socket or in a page; not by naming their ids in the panel's frames; and a company server
of another group can be neither seen nor switched."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import Group
from django.urls import reverse

from chat.mcp.connections import from_dict
from chat.mcp_servers import store
from chat.mcp_servers.models import McpServer, McpServerOptOut
from chat.mcp_servers.secrets import seal
from tests.chat.web.test_consumers import path_of
from tests.factories import make_thread
from tests.mcp_server.fixtures import PORT_CHECK_APP

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "Bearer victims-own-token-123456"


@pytest.fixture
def victims_servers(victim):
    own = store.add_personal(
        victim.user,
        from_dict(
            {
                "name": "victims-crm",
                "type": "streamable-http",
                "url": "https://crm.corp.example/mcp?key=query-secret",
                "headers": {"Authorization": SECRET},
            }
        ),
    )
    hr = Group.objects.create(name="HR")
    victim.user.groups.add(hr)
    payroll = McpServer.objects.create(
        name="payroll",
        type="sse",
        url="https://payroll.corp.example/sse",
        user_may_disable=True,
        secrets=seal({"headers": {"Authorization": "Bearer payroll-company-token"}}),
    )
    payroll.groups.add(hr)
    return own, payroll


@pytest.fixture
async def attackers_tab(connect, attacker, use_assistant, settings):
    use_assistant(PORT_CHECK_APP)
    settings.CHAT_MCP_SERVERS = []
    settings.CHAT_MCP_ALLOWED_HOSTS = ["*.corp.example"]
    thread = await sync_to_async(make_thread)(attacker)
    connected, _, socket = await connect(path_of(thread), user=attacker)
    assert connected
    await socket.until(lambda f: 'id="mcp-panel"' in f)
    return socket


def leaks(frames: list[str]) -> list[str]:
    words = ("victims-crm", "crm.corp.example", "victims-own-token", "payroll", "query-secret")
    return [w for w in words if any(w in f for f in frames)]


async def test_another_persons_servers_are_not_in_my_panel(victims_servers, attackers_tab):
    await attackers_tab.until(lambda f: "No tool servers yet." in f)
    assert leaks(attackers_tab.frames) == []


async def test_naming_another_persons_server_in_a_frame_changes_nothing(
    victims_servers, attackers_tab, attacker
):
    own, payroll = victims_servers
    await attackers_tab.send(type="mcp_remove", server=str(own.pk))
    await attackers_tab.until(lambda f: "That server is not one of yours." in f)
    await attackers_tab.send(type="mcp_switch", server=str(payroll.pk), on="off")
    await attackers_tab.until(lambda f: "cannot be switched off here" in f)
    await attackers_tab.send(type="mcp_reconnect", name="victims-crm")
    await attackers_tab.until(lambda f: "There is no server named victims-crm." in f)
    await attackers_tab.send(type="mcp_remove", server="not-a-number")
    await attackers_tab.until(lambda f: "That server is not available to you." in f)
    assert await McpServer.objects.filter(pk=own.pk).aexists()
    assert not await McpServerOptOut.objects.filter(user=attacker).aexists()
    assert leaks(attackers_tab.frames) == ["victims-crm"]  # only the name the attacker sent


async def test_a_name_taken_by_another_person_is_free_for_me(victims_servers, attacker):
    connection = await sync_to_async(store.check_new_personal)(
        attacker, {"name": "victims-crm", "type": "sse", "url": "https://x.corp.example/sse"}
    )
    assert connection.name == "victims-crm"


def test_no_page_shows_another_persons_servers(victims_servers, attacker_client, attacker):
    thread = make_thread(attacker)
    for url in (reverse("chat:thread", args=[thread.pk]), "/"):
        html = attacker_client.get(url, follow=True).content.decode()
        assert leaks([html]) == []
    # Nor the admin's list of servers, for a person who is not staff.
    response = attacker_client.get(reverse("admin:mcp_servers_mcpserver_changelist"))
    assert response.status_code == 302

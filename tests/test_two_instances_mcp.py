"""Tool servers on two web instances behind a load balancer without sticky sessions: an MCP
session lives in the process that opened it, so a socket that lands on the other instance
connects again there, from the stored definitions, and the tools work the same.

Services backend only: REDIS_URL set and DATABASE_URL on PostgreSQL.
"""

from __future__ import annotations

import json

import psutil
import pytest
from channels.db import database_sync_to_async

from chat.mcp_servers.models import McpServer
from tests.drivers import wait_for
from tests.mcp_server import start_server
from tests.mcp_server.fixtures import PORT_CHECK_APP, TOKEN, stdio_definition
from tests.mcp_server.process import STDIO_COMMAND
from tests.services import Daphne, free_port, instances_env, started
from tests.test_two_instances import pytestmark as services_only
from tests.test_two_instances import tab  # noqa: F401 (fixture)

pytestmark = services_only


@pytest.fixture(scope="module")
def tracker():
    server = start_server("streamable-http", TOKEN)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def mcp_env(django_db_setup, django_db_blocker, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("mcp-instances")
    with django_db_blocker.unblock():
        env = instances_env(
            tmp,
            "mcp",
            CHAT_ASSISTANT=PORT_CHECK_APP,
            CHAT_MCP_ALLOWED_HOSTS="127.0.0.1",
            CHAT_MCP_STDIO_ALLOWED=STDIO_COMMAND[0],
            # A company server every chat connects to, as a local program.
            CHAT_MCP_SERVERS=json.dumps([stdio_definition("local-tracker")]),
        )
    return env, tmp


@pytest.fixture(scope="module")
def instances(mcp_env):
    env, tmp = mcp_env
    with started(env, tmp) as processes:
        yield processes


def stdio_children_of(pid: int) -> list[psutil.Process]:
    return [
        p
        for p in psutil.Process(pid).children(recursive=True)
        if "stdio" in p.cmdline() and "server.py" in " ".join(p.cmdline())
    ]


async def test_a_tab_on_the_other_instance_connects_its_servers_again_there(
    instances,
    tab,  # noqa: F811
    thread,
    user,
    tracker,
):
    web1, web2 = instances
    first = await tab(web1, thread)
    await first.until(lambda f: 'data-mcp-server="local-tracker"' in f and "Connected" in f)
    await first.connection.send(
        json.dumps(
            {
                "type": "mcp_add",
                "name": "tickets",
                "server_type": "streamable-http",
                "url": tracker.url,
                "headers": f"Authorization: Bearer {TOKEN}",
                "HEADERS": {"HX-Request": "true"},
            }
        )
    )
    await first.until(lambda f: 'data-mcp-server="tickets"' in f and "Connected · 4 tools" in f)
    assert await database_sync_to_async(McpServer.objects.filter(owner=user).count)() == 1
    assert len(stdio_children_of(web1.pid)) == 1
    await first.close()

    again = await tab(web2, thread)
    frame = await again.until(
        lambda f: f.count("Connected · 4 tools") == 2 and 'data-mcp-server="tickets"' in f
    )
    assert TOKEN not in frame
    assert len(stdio_children_of(web2.pid)) == 1
    await again.say('lookup_ticket {"ticket_id": "T-2"}')
    await again.until(lambda f: "lookup_ticket said:" in f and "VPN drops every hour" in f)
    # The first instance's socket closed: its local server ended with it.
    await wait_for(lambda: stdio_children_of(web1.pid) == [], what="the first one's server gone")


@pytest.mark.parametrize("how", ["stopped", "killed"])
async def test_an_instance_that_stops_or_dies_leaves_no_local_server_running(
    how,
    mcp_env,
    tab,  # noqa: F811
    thread,
):
    env, tmp = mcp_env
    web = Daphne(f"web-{how}", env, tmp, free_port())
    web.start()
    try:
        first = await tab(web, thread)
        await first.until(lambda f: 'data-mcp-server="local-tracker"' in f and "Connected" in f)
        [child] = stdio_children_of(web.pid)
        if how == "stopped":
            web.stop()  # SIGTERM: the sockets close, the sessions close their servers
        else:
            web.process.kill()  # SIGKILL: the server reads the end of its input and ends
            web.process.wait(10)
        await wait_for(
            lambda: not child.is_running() or child.status() == psutil.STATUS_ZOMBIE,
            within=20,
            what="the local server to end",
        )
    finally:
        web.stop()

"""The composer's tool-server panel over the chat socket: a person adds, sees, reconnects and
removes servers of their own; secrets never come back; nobody reaches another's."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from chat.mcp_servers.models import McpServer
from tests.chat.web.test_consumers import connect, path_of  # noqa: F401 (fixture)
from tests.factories import make_thread
from tests.mcp_server.fixtures import PORT_CHECK_APP, TOKEN, http_tracker  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def panel_settings(settings, use_assistant):
    use_assistant(PORT_CHECK_APP)
    settings.CHAT_MCP_SERVERS = []
    settings.CHAT_MCP_ALLOWED_HOSTS = ["127.0.0.1"]


async def open_tab(connect, thread, user):  # noqa: F811
    connected, _, socket = await connect(path_of(thread), user=user)
    assert connected
    await socket.until(lambda f: 'id="mcp-panel"' in f)
    return socket


async def add_tracker(socket, tracker, name="tracker"):
    await socket.send(
        type="mcp_add",
        name=name,
        server_type="streamable-http",
        url=tracker.url,
        headers=f"Authorization: Bearer {TOKEN}",
    )


def panel_with(text: str):
    return lambda f: 'id="mcp-panel"' in f and text in f


async def test_the_plug_button_shows_for_an_assistant_that_takes_servers(
    panel_settings,
    connect,  # noqa: F811
    thread,
    user,
):
    socket = await open_tab(connect, thread, user)
    frame = await socket.until(lambda f: 'id="mcp-open"' in f)
    button = frame.split('id="mcp-open"')[1].split(">")[0]
    assert " hidden" not in button
    assert "No tool servers yet." in frame


async def test_a_person_adds_a_server_sees_its_tools_and_removes_it(
    panel_settings,
    http_tracker,  # noqa: F811
    connect,  # noqa: F811
    thread,
    user,
):
    socket = await open_tab(connect, thread, user)
    await add_tracker(socket, http_tracker)
    frame = await socket.until(panel_with("Connected · 4 tools"))
    assert "Authorization: ••••" in frame
    assert TOKEN not in "".join(socket.frames)
    server = await McpServer.objects.aget(owner=user, name="tracker")
    assert TOKEN not in server.secrets

    await socket.send(type="mcp_remove", server=str(server.pk))
    await socket.until(panel_with("No tool servers yet."))
    assert not await McpServer.objects.filter(owner=user).aexists()


async def test_a_server_that_fails_is_not_kept_and_says_why(
    panel_settings,
    connect,  # noqa: F811
    thread,
    user,
    settings,
):
    settings.CHAT_MCP_CONNECT_TIMEOUT = 3
    socket = await open_tab(connect, thread, user)
    await socket.send(
        type="mcp_add",
        name="gone",
        server_type="sse",
        url="http://127.0.0.1:9/sse",
        headers="X-Key: do-not-echo-me",
    )
    frame = await socket.until(panel_with("gone could not be added"))
    assert "do-not-echo-me" not in frame
    assert not await McpServer.objects.filter(owner=user).aexists()


async def test_a_host_off_the_list_is_refused(
    panel_settings,
    connect,  # noqa: F811
    thread,
    user,
    settings,
):
    settings.CHAT_MCP_ALLOWED_HOSTS = ["*.example.com"]
    socket = await open_tab(connect, thread, user)
    await socket.send(
        type="mcp_add", name="inside", server_type="streamable-http", url="http://10.0.0.5/mcp"
    )
    await socket.until(panel_with("is not one MCP servers may be reached at"))
    assert not await McpServer.objects.filter(owner=user).aexists()


async def test_a_reload_connects_the_stored_server_again(
    panel_settings,
    http_tracker,  # noqa: F811
    connect,  # noqa: F811
    thread,
    user,
):
    socket = await open_tab(connect, thread, user)
    await add_tracker(socket, http_tracker)
    await socket.until(panel_with("Connected · 4 tools"))
    await socket.communicator.disconnect()

    again = await open_tab(connect, thread, user)
    await again.until(panel_with("Connected · 4 tools"))
    await again.say("tools")
    await again.until(lambda f: "Tools: broken_tool, huge_output, lookup_ticket" in f)


async def test_nobody_sees_or_removes_another_persons_server(
    panel_settings,
    http_tracker,  # noqa: F811
    connect,  # noqa: F811
    thread,
    user,
    other_user,
):
    mine = await open_tab(connect, thread, user)
    await add_tracker(mine, http_tracker, name="alices-tracker")
    await mine.until(panel_with("Connected · 4 tools"))
    server = await McpServer.objects.aget(owner=user)

    theirs_thread = await database_sync_to_async(make_thread)(other_user)
    theirs = await open_tab(connect, theirs_thread, other_user)
    await theirs.send(type="mcp_remove", server=str(server.pk))
    await theirs.until(panel_with("That server is not one of yours."))
    assert await McpServer.objects.filter(pk=server.pk).aexists()
    assert not any("alices-tracker" in f for f in theirs.frames)

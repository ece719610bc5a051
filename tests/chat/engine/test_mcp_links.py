"""A chat's MCP connections: made when it opens (each transport), handed to the assistant
as in Chainlit, rebuilt on every new socket, closed with the chat; failures are plain."""

from __future__ import annotations

import json

import psutil
import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import Group

from chat.mcp.connections import from_dict
from chat.mcp_servers import store
from chat.mcp_servers.models import McpServer
from chat.mcp_servers.secrets import seal
from chat.models import Message, Step
from tests.drivers import wait_for
from tests.factories import make_thread
from tests.mcp_server.fixtures import PORT_CHECK_APP, TOKEN, http_definition, stdio_definition

pytestmark = pytest.mark.django_db(transaction=True)

TRANSPORTS = ["streamable-http", "sse", "stdio"]


@pytest.fixture
def mcp_app(use_assistant):
    use_assistant(PORT_CHECK_APP)


async def tool_steps(chat) -> list[Step]:
    rows = Step.objects.filter(thread_id=chat.thread.pk, type="tool").order_by("order")
    return [s async for s in rows]


def stdio_children() -> list[psutil.Process]:
    return [
        p
        for p in psutil.Process().children(recursive=True)
        if "server.py" in " ".join(p.cmdline()) and "stdio" in p.cmdline()
    ]


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_each_transport_reaches_on_mcp_connect_and_its_tools_run_as_steps(
    transport, tracker_definition, settings, mcp_app, open_chat, thread, user
):
    settings.CHAT_MCP_SERVERS = [tracker_definition(transport)]
    chat = await open_chat(thread, user)

    assert chat.session.user_session["connected"] == [f"tracker:{transport}"]
    listed = chat.session.user_session["mcp_tools"]["tracker"]
    assert {t["name"] for t in listed} >= {"lookup_ticket", "slow_report", "broken_tool"}
    session, exit_stack = chat.session.mcp_sessions["tracker"]
    assert hasattr(session, "call_tool")
    assert hasattr(exit_stack, "aclose")

    await chat.send('lookup_ticket {"ticket_id": "T-2"}')
    reply = (await chat.last_reply()).content
    assert reply.startswith("lookup_ticket said: ")
    assert "Ticket T-2: VPN drops every hour (closed)" in reply
    [step] = await tool_steps(chat)
    assert step.name == "lookup_ticket"
    assert json.loads(step.input)["tool_use"]["input"] == {"ticket_id": "T-2"}
    assert "VPN drops every hour" in step.output


async def test_a_reopened_chat_connects_again_from_the_definitions(
    tracker_definition, settings, mcp_app, open_chat, thread, user
):
    settings.CHAT_MCP_SERVERS = [tracker_definition("streamable-http")]
    first = await open_chat(thread, user)
    await first.close()
    assert first.session.mcp_sessions == {}

    again = await open_chat(thread, user)  # a reload: a new socket, a new session
    assert "tracker" in again.session.mcp_sessions
    await again.send('lookup_ticket {"ticket_id": "T-1"}')
    assert "Printer on floor 3" in (await again.last_reply()).content


async def test_a_stdio_server_ends_with_the_chat(
    tracker_definition, settings, mcp_app, open_chat, thread, user
):
    settings.CHAT_MCP_SERVERS = [tracker_definition("stdio")]
    chat = await open_chat(thread, user)
    [child] = stdio_children()
    await chat.close()
    await wait_for(lambda: not child.is_running() or child.status() == "zombie", what="exit")


async def test_a_disallowed_executable_is_refused_and_never_run(
    settings, mcp_app, open_chat, thread, user, tmp_path
):
    marker = tmp_path / "ran"
    settings.CHAT_MCP_STDIO_ALLOWED = ["uvx"]
    settings.CHAT_MCP_SERVERS = [
        {"name": "shell", "type": "stdio", "command": "/bin/sh", "args": ["-c", f"touch {marker}"]}
    ]
    chat = await open_chat(thread, user)
    assert chat.session.mcp_sessions == {}
    assert "'/bin/sh' may not be started" in chat.session.mcp_failures["shell"]
    await chat.tab.until(lambda f: "Tools of shell are unavailable" in f)
    assert not marker.exists()


async def test_stdio_is_off_when_nothing_is_allowed(settings, mcp_app, open_chat, thread, user):
    settings.CHAT_MCP_STDIO_ALLOWED = []
    settings.CHAT_MCP_SERVERS = [stdio_definition()]
    chat = await open_chat(thread, user)
    assert "Starting local MCP servers is off" in chat.session.mcp_failures["tracker"]
    assert stdio_children() == []


async def test_a_refused_token_is_a_plain_failure_that_never_shows_the_secret(
    http_tracker, settings, mcp_app, open_chat, thread, user
):
    wrong = "wrong-" + TOKEN
    definition = http_definition(http_tracker)
    definition["headers"] = {"Authorization": f"Bearer {wrong}"}
    settings.CHAT_MCP_SERVERS = [definition]
    chat = await open_chat(thread, user)
    assert chat.session.mcp_sessions == {}
    frame = await chat.tab.until(lambda f: "Tools of tracker are unavailable" in f)
    assert "401" in frame
    assert wrong not in frame
    assert wrong not in chat.session.mcp_failures["tracker"]
    assert wrong not in json.dumps(await chat.saved_session())


async def test_an_unreachable_server_fails_within_the_timeout_and_the_chat_goes_on(
    settings, mcp_app, open_chat, thread, user
):
    settings.CHAT_MCP_CONNECT_TIMEOUT = 2
    settings.CHAT_MCP_SERVERS = [
        {"name": "gone", "type": "streamable-http", "url": "http://127.0.0.1:9/mcp"}
    ]
    chat = await open_chat(thread, user)
    assert "gone" in chat.session.mcp_failures
    await chat.send("tools")
    assert (await chat.last_reply()).content == "Tools: "


async def test_a_failing_tool_is_an_error_result_and_the_chat_goes_on(
    tracker_definition, settings, mcp_app, open_chat, thread, user
):
    settings.CHAT_MCP_SERVERS = [tracker_definition("streamable-http")]
    chat = await open_chat(thread, user)
    await chat.send("broken_tool")
    assert "the tracker's database is down" in (await chat.last_reply()).content
    [step] = await tool_steps(chat)
    assert json.loads(step.output)["isError"] is True
    await chat.send("lookup_ticket")
    assert "Printer" in (await chat.last_reply()).content


async def test_a_slow_tool_times_out_by_the_setting(
    tracker_definition, settings, mcp_app, open_chat, thread, user
):
    settings.CHAT_MCP_CALL_TIMEOUT = 1
    settings.CHAT_MCP_SERVERS = [tracker_definition("stdio")]
    chat = await open_chat(thread, user)
    await chat.send('slow_report {"seconds": 60}', wait=False)
    await chat.idle(within=20)
    reply = await chat.last_reply()
    assert reply.content.startswith("slow_report said: {")
    assert "Timed out" in reply.content


async def test_a_server_killed_mid_call_gives_an_error_not_a_hang(
    tracker_definition, settings, mcp_app, open_chat, thread, user
):
    settings.CHAT_MCP_CALL_TIMEOUT = 30
    settings.CHAT_MCP_SERVERS = [tracker_definition("stdio")]
    chat = await open_chat(thread, user)
    [child] = stdio_children()
    await chat.send('slow_report {"seconds": 60}', wait=False)
    await chat.tab.until(lambda f: "slow_report" in f)
    child.kill()
    await chat.idle(within=20)
    reply = await chat.last_reply()
    assert reply.author_kind == Message.Author.ASSISTANT
    assert reply.content.startswith("slow_report said: {")


# -- stored servers: the company's from the admin, people's own --------------------------------
def stored(definition: dict, owner=None, groups=()) -> None:
    if owner is not None:
        store.add_personal(owner, from_dict(definition))
        return
    secrets = {"headers": definition.get("headers") or {}}
    server = McpServer.objects.create(
        name=definition["name"],
        type=definition["type"],
        url=definition["url"],
        secrets=seal(secrets),
    )
    server.groups.set(groups)


async def test_a_company_server_for_a_group_connects_for_its_members_only(
    http_tracker, mcp_app, open_chat, thread, user, other_user
):
    def setup():
        support = Group.objects.create(name="Support")
        user.groups.add(support)
        stored(http_definition(http_tracker, name="support-tracker"), groups=[support])

    await sync_to_async(setup)()
    chat = await open_chat(thread, user)
    assert list(chat.session.mcp_sessions) == ["support-tracker"]
    others = await open_chat(await sync_to_async(make_thread)(other_user), other_user)
    assert others.session.mcp_sessions == {}


async def test_a_personal_http_server_connects_only_at_an_allowed_host(
    http_tracker, settings, mcp_app, open_chat, thread, user
):
    await sync_to_async(stored)(http_definition(http_tracker, name="mine"), owner=user)
    settings.CHAT_MCP_ALLOWED_HOSTS = ["*"]  # a wildcard never reaches a loopback address
    chat = await open_chat(thread, user)
    assert chat.session.mcp_sessions == {}
    assert "private address" in chat.session.mcp_failures["mine"]
    await chat.close()

    settings.CHAT_MCP_ALLOWED_HOSTS = ["127.0.0.1"]
    chat = await open_chat(thread, user)
    assert list(chat.session.mcp_sessions) == ["mine"]

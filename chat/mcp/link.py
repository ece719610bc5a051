"""One live MCP connection, held open by a task of its own.

The SDK's transports are anyio context managers that must be left by the task that
entered them; a chat's hooks each run as their own task. So a link's task enters the
transport and the `ClientSession`, hands the session out, and waits to be told to close:
any task may then use the session, and any task may close the link.

The `mcp` package is an optional dependency (the `mcp` extra): it is imported here, when a
connection is first opened, so the product runs without it when no server is configured.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import timedelta
from typing import Any

from chat.mcp.connections import HttpMcpConnection, McpConnection, SseMcpConnection

logger = logging.getLogger(__name__)

# How long a closing link waits for its server to end before it is cancelled.
CLOSE_SECONDS = 5.0


class McpConnectError(Exception):
    """The server could not be reached, or did not answer the handshake in time."""


class McpCallError(Exception):
    """A tool call that did not come back: timed out, or the server went away."""


def _pinned(address: str) -> Any:
    """A request hook that sends every request to `address` (the one the host resolved to
    when it was checked), keeping the name for the Host header and TLS."""

    async def pin(request: Any) -> None:
        host = request.url.host
        if host != address:
            request.extensions = {**request.extensions, "sni_hostname": host}
            request.url = request.url.copy_with(host=address)

    return pin


def _client_factory(pin: str | None) -> Any:
    from mcp.shared._httpx_utils import create_mcp_http_client

    def factory(headers: Any = None, timeout: Any = None, auth: Any = None) -> Any:
        client = create_mcp_http_client(headers=headers, timeout=timeout, auth=auth)
        if pin:
            client.event_hooks = {"request": [_pinned(pin)], "response": []}
        return client

    return factory


@contextlib.asynccontextmanager
async def _transport(
    connection: McpConnection, connect_timeout: float, pin: str | None = None
) -> AsyncIterator[Any]:
    """The transport's (read, write) streams, for as long as the context lasts; an HTTP
    transport reaches `pin` (an address) when given, whatever the name resolves to now."""
    try:
        import httpx
        from mcp.client.sse import sse_client
        from mcp.client.stdio import StdioServerParameters, get_default_environment, stdio_client
        from mcp.client.streamable_http import streamable_http_client
    except ImportError as error:  # pragma: no cover - depends on the installation
        raise McpConnectError("MCP needs the mcp package: pip install mcp") from error
    # Server-sent events may be quiet for long between tool calls: the session's read
    # timeout bounds each call, not the stream.
    idle = 60 * 60 * 24
    if isinstance(connection, HttpMcpConnection):
        client = _client_factory(pin)(
            headers=dict(connection.headers) or None,
            timeout=httpx.Timeout(connect_timeout, read=idle),
        )
        async with client, streamable_http_client(connection.url, http_client=client) as streams:
            yield streams
    elif isinstance(connection, SseMcpConnection):
        async with sse_client(
            connection.url,
            headers=dict(connection.headers) or None,
            timeout=connect_timeout,
            sse_read_timeout=idle,
            httpx_client_factory=_client_factory(pin),
        ) as streams:
            yield streams
    else:
        parameters = StdioServerParameters(
            command=connection.command,
            args=list(connection.args),
            env={**get_default_environment(), **connection.env},
        )
        async with stdio_client(parameters) as streams:
            yield streams


class McpLink:
    def __init__(
        self, connection: McpConnection, *, call_timeout: float, pin: str | None = None
    ) -> None:
        self.connection = connection
        self.pin = pin
        self.call_timeout = call_timeout
        self.session: Any = None
        self.tools: list[Any] = []
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        # Chainlit hands out (session, exit_stack); closing this stack closes the link.
        self.exit_stack = AsyncExitStack()
        self.exit_stack.push_async_callback(self.close)

    @property
    def alive(self) -> bool:
        return self._task is not None and not self._task.done()

    @classmethod
    async def open(
        cls,
        connection: McpConnection,
        *,
        connect_timeout: float,
        call_timeout: float,
        pin: str | None = None,
    ) -> McpLink:
        """Connects, shakes hands and lists the tools, all within `connect_timeout`; an
        HTTP server is reached at the address `pin` when given."""
        link = cls(connection, call_timeout=call_timeout, pin=pin)
        ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        link._task = asyncio.create_task(
            link._hold(ready, connect_timeout), name=f"mcp-{connection.name}"
        )
        try:
            await asyncio.wait_for(asyncio.shield(ready), connect_timeout)
        except TimeoutError:
            await link._cancel()
            raise McpConnectError(
                f"{connection.name} did not answer within {connect_timeout:g} s."
            ) from None
        except BaseException:
            await link._cancel()
            raise
        return link

    async def _hold(self, ready: asyncio.Future[None], connect_timeout: float) -> None:
        from mcp import ClientSession

        try:
            async with AsyncExitStack() as stack:
                streams = await stack.enter_async_context(
                    _transport(self.connection, connect_timeout, self.pin)
                )
                session = await stack.enter_async_context(
                    ClientSession(
                        streams[0],
                        streams[1],
                        read_timeout_seconds=timedelta(seconds=connect_timeout),
                    )
                )
                await session.initialize()
                self.tools = list((await session.list_tools()).tools)
                # From now on a request waits as long as a tool call may take.
                session._session_read_timeout_seconds = timedelta(seconds=self.call_timeout)
                self.session = session
                ready.set_result(None)
                await self._stop.wait()
        except BaseException as error:
            if not ready.done():
                ready.set_exception(McpConnectError(_describe(error)))
            elif not self._stop.is_set():
                logger.warning("MCP server %s went away: %s", self.connection.name, error)
            if isinstance(error, asyncio.CancelledError):
                raise

    async def call_tool(self, name: str, arguments: dict[str, Any]) -> Any:
        """Calls a tool; a server that stops answering or goes away raises McpCallError
        instead of leaving the caller waiting."""
        task = self._task
        if task is None or task.done():
            raise McpCallError(f"{self.connection.name} is not connected.")
        call = asyncio.ensure_future(self.session.call_tool(name, arguments))
        done, _ = await asyncio.wait(
            {call, task}, timeout=self.call_timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if call in done:
            try:
                return call.result()
            except Exception as error:
                raise McpCallError(_describe(error)) from error
        call.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await call
        if task in done:
            raise McpCallError(f"{self.connection.name} went away during the call.")
        raise McpCallError(f"{name} did not answer within {self.call_timeout:g} s.")

    async def close(self) -> None:
        """Ends the session (and a stdio server's process); never raises."""
        self._stop.set()
        task = self._task
        if task is None or task.done():
            return
        try:
            await asyncio.wait_for(asyncio.shield(task), CLOSE_SECONDS)
        except (TimeoutError, asyncio.CancelledError):
            await self._cancel()
        except Exception:  # noqa: S110 - _hold logged it; closing must not fail
            pass

    async def _cancel(self) -> None:
        task = self._task
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(BaseException):
                await task


def _describe(error: BaseException) -> str:
    """The first real cause in an exception group (anyio wraps transport errors)."""
    while isinstance(error, BaseExceptionGroup) and error.exceptions:
        error = error.exceptions[0]
    text = str(error) or type(error).__name__
    return text if len(text) < 300 else text[:300] + "…"

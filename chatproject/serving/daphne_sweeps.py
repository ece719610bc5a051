"""Daphne's sweeps over its connections, made to visit only the connections with something due.

Daphne walks every connection every second (`application_checker`: reap finished
application instances, cancel those that outlive their connection by
`application_close_timeout`) and every two seconds (`timeout_checker`: each connection's
`check_timeouts`, which pings a websocket silent for `ping_interval` and closes one open
for `websocket_timeout`). With 10,000 idle sockets those walks alone cost about 2 % of a
core, for nothing to do. Here:

* the application sweep looks at a connection only once something happened to it (its
  application instance finished, or it disconnected), and then every second while it
  waits for its instance to end, as daphne does;
* the timeout sweep still runs every two seconds, but visits an open websocket only when
  its next ping (or the end of its life) is due; any other connection (an HTTP request, a
  handshake under way, a socket closing) on every sweep, as daphne does.

The same daphne methods decide; a ping goes out between `ping_interval` and two sweeps
after it. Measured by `bench/run.py --phases i` (idle CPU with 10,000 sockets): see
bench/README.md. Only under daphne.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import sys
import time
from collections import defaultdict
from typing import Any

daphne_logger = logging.getLogger("daphne.server")

# Daphne's timeout sweep runs this often.
SWEEP_SECONDS = 2.0


def slot(moment: float) -> int:
    return int(moment // SWEEP_SECONDS)


class Sweeps:
    """What the sweeps of one daphne server have to look at."""

    def __init__(self) -> None:
        # Connections whose application instance finished or that disconnected.
        self.attention: set[Any] = set()
        # Connections by the sweep slot in which their timeouts are next due.
        self.due: defaultdict[int, list[Any]] = defaultdict(list)
        self.swept_to = slot(time.time())

    def due_in_next_sweep(self, protocol: Any) -> None:
        self.due[slot(time.time()) + 1].append(protocol)

    def take_due(self, now: float) -> list[Any]:
        """The connections due by `now`, taken off the schedule."""
        current = slot(now)
        taken: list[Any] = []
        for passed in range(self.swept_to + 1, current + 1):
            taken.extend(self.due.pop(passed, ()))
        self.swept_to = current
        return taken


def sweep_daphne_connections_by_due_time() -> None:
    server_module = sys.modules.get("daphne.server")
    ws_module = sys.modules.get("daphne.ws_protocol")
    if server_module is None or ws_module is None:
        return
    server_class = server_module.Server
    if getattr(server_class, "_chat_sweeps", False):
        return
    # Not at the top: importing Twisted's reactor installs the default one, and only under
    # daphne (which installed its own before loading this module) is it the right one.
    from twisted.internet import reactor

    websocket_class = ws_module.WebSocketProtocol
    original_connected = server_class.protocol_connected
    original_disconnected = server_class.protocol_disconnected
    original_create = server_class.create_application

    def sweeps(server: Any) -> Sweeps:
        found = server.__dict__.get("_chat_sweeps_state")
        if found is None:
            found = server.__dict__["_chat_sweeps_state"] = Sweeps()
        return found

    def protocol_connected(self: Any, protocol: Any) -> None:
        original_connected(self, protocol)
        sweeps(self).due_in_next_sweep(protocol)

    def protocol_disconnected(self: Any, protocol: Any) -> None:
        original_disconnected(self, protocol)
        sweeps(self).attention.add(protocol)

    def create_application(self: Any, protocol: Any, scope: Any) -> Any:
        queue = original_create(self, protocol, scope)
        instance = self.connections.get(protocol, {}).get("application_instance")
        if instance is not None:
            attention = sweeps(self).attention
            instance.add_done_callback(lambda _: attention.add(protocol))
        return queue

    def application_checker(self: Any) -> None:
        attention = sweeps(self).attention
        for protocol in list(attention):
            attention.discard(protocol)
            if protocol in self.connections:
                tend_application(self, protocol)
            details = self.connections.get(protocol)
            if details is not None and details.get("disconnected"):
                attention.add(protocol)  # its instance has yet to end, or to be ended
        reactor.callLater(1, self.application_checker)

    def timeout_checker(self: Any) -> None:
        schedule = sweeps(self)
        now = time.time()
        for protocol in schedule.take_due(now):
            if protocol not in self.connections:
                continue  # gone
            protocol.check_timeouts()
            schedule.due[next_slot(self, protocol, now)].append(protocol)
        reactor.callLater(SWEEP_SECONDS, self.timeout_checker)

    def next_slot(server: Any, protocol: Any, now: float) -> int:
        if isinstance(protocol, websocket_class) and protocol.state == protocol.STATE_OPEN:
            due = protocol.last_ping + server.ping_interval
            if server.websocket_timeout >= 0:
                due = min(due, protocol.socket_opened + server.websocket_timeout)
            return max(slot(due) + 1, slot(now) + 1)
        return slot(now) + 1

    server_class.protocol_connected = protocol_connected
    server_class.protocol_disconnected = protocol_disconnected
    server_class.create_application = create_application
    server_class.application_checker = application_checker
    server_class.timeout_checker = timeout_checker
    server_class._chat_sweeps = True


def tend_application(server: Any, protocol: Any) -> None:
    """Daphne's `application_checker` for one connection (daphne 4.2.3): cancels an
    instance that outlived its connection by `application_close_timeout`, reaps a finished
    one (logging its error), and forgets a connection closed with its instance ended."""
    details = server.connections[protocol]
    disconnected = details.get("disconnected", None)
    application_instance = details.get("application_instance", None)
    outlived = disconnected and time.time() - disconnected > server.application_close_timeout
    if outlived and application_instance and not application_instance.done():
        daphne_logger.warning(
            "Application instance %r for connection %s took too long to shut down and was killed.",
            application_instance,
            repr(protocol),
        )
        application_instance.cancel()
    if application_instance and application_instance.done():
        try:
            exception = application_instance.exception()
        except (concurrent.futures.CancelledError, asyncio.CancelledError):
            pass
        else:
            if exception:
                if isinstance(exception, KeyboardInterrupt):
                    server.stop()
                else:
                    daphne_logger.error(
                        "Exception inside application: %s", exception, exc_info=exception
                    )
                    if not disconnected:
                        protocol.handle_exception(exception)
        del server.connections[protocol]["application_instance"]
        application_instance = None
    if not application_instance and disconnected:
        del server.connections[protocol]

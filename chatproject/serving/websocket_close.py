"""Daphne's websockets fail with a close frame, not a dropped connection.

By default autobahn drops the TCP connection when a client breaks the protocol, a frame
over daphne's size limit (1 MiB) included: the page sees 1006, as if the network had
failed, and cannot say why its message went nowhere. With failByDrop off it sends the
close frame first, 1009 ("message too big") for an oversized frame, which the page
explains. The oversized frame is refused from its header, before it is read.

Checked by `tests/chatproject/serving/test_websocket_close.py` (an oversized frame gets
1009 under a real daphne).
"""

from __future__ import annotations

import sys
from typing import Any


def close_websockets_with_a_reason() -> None:
    """Has daphne's websocket factory fail connections with a close code. Only under
    daphne."""
    module = sys.modules.get("daphne.ws_protocol")
    if module is None or getattr(module.WebSocketFactory, "_chat_fail_by_close", False):
        return
    factory_class = module.WebSocketFactory
    original_init = factory_class.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        self.setProtocolOptions(failByDrop=False)

    factory_class.__init__ = __init__
    factory_class._chat_fail_by_close = True

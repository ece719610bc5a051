"""permessage-deflate for daphne's websockets, with small windows.

Daphne never accepts the compression browsers offer, so every streamed fragment goes
over the wire whole; most of each one is the same few wrapper tags. This accepts the
offer with a 1 KiB window both ways and zlib's smallest memory level: the repeated tags
still compress, and an open socket holds a few KiB of zlib state instead of the ~300 KiB
that the default (32 KiB window, memory level 8) takes per direction and connection.

Measured by `bench/run.py --phases e` with and without `--no-ws-compress` (memory per idle
session), and the bytes of phase c's frames.
"""

from __future__ import annotations

import sys
from typing import Any

from autobahn.websocket.compress import PerMessageDeflateOffer, PerMessageDeflateOfferAccept

WINDOW_BITS = 10
MEM_LEVEL = 1
# A compressed frame may not unpack into more than daphne lets a frame hold (1 MiB).
MAX_MESSAGE_BYTES = 1024 * 1024
# Smaller frames (most of a streamed answer's token frames) go uncompressed: deflating a
# hundred bytes costs the server more time than it saves on the wire.
COMPRESS_FROM_BYTES = 512


def accept_deflate(offers: list[Any]) -> Any:

    for offer in offers:
        if not isinstance(offer, PerMessageDeflateOffer):
            continue
        asked = offer.request_max_window_bits  # the client's cap on our window, if any
        return PerMessageDeflateOfferAccept(
            offer,
            # Ask the client for a small window too, where it lets us choose.
            request_max_window_bits=WINDOW_BITS if offer.accept_max_window_bits else 0,
            window_bits=min(WINDOW_BITS, asked) if asked else WINDOW_BITS,
            mem_level=MEM_LEVEL,
            max_message_size=MAX_MESSAGE_BYTES,
        )
    return None


def compress_daphne_websockets() -> None:
    """Has daphne's websocket factory accept permessage-deflate, and its sockets send
    small frames as they are. Only under daphne."""
    module = sys.modules.get("daphne.ws_protocol")
    if module is None or getattr(module.WebSocketFactory, "_chat_deflate", False):
        return
    factory_class = module.WebSocketFactory
    original_init = factory_class.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        self.setProtocolOptions(perMessageCompressionAccept=accept_deflate)

    factory_class.__init__ = __init__
    factory_class._chat_deflate = True

    protocol_class = module.WebSocketProtocol
    original_send = protocol_class.sendMessage

    def sendMessage(
        self: Any,
        payload: bytes,
        isBinary: bool = False,
        fragmentSize: int | None = None,
        sync: bool = False,
        doNotCompress: bool = False,
    ) -> Any:
        small = len(payload) < COMPRESS_FROM_BYTES
        return original_send(self, payload, isBinary, fragmentSize, sync, doNotCompress or small)

    protocol_class.sendMessage = sendMessage

"""daphne's access log as log records, so that CHAT_LOG_FORMAT=json makes it JSON too.

daphne writes its access log (one line per request and per socket event) straight to
stdout in NCSA format, past Python's logging: with JSON logs, those lines would be the
only ones a log shipper could not parse. Here each entry becomes a record of the
`daphne.access` logger at INFO, with the client, status and size as fields.
"""

from __future__ import annotations

import logging

from daphne.access import AccessLogGenerator

logger = logging.getLogger("daphne.access")


def _write_entry(
    self: AccessLogGenerator,
    host: str,
    date: object,
    request: str,
    status: int | None = None,
    length: int | None = None,
    ident: str | None = None,
    user: str | None = None,
) -> None:
    logger.info(
        "%s %s",
        request,
        status if status is not None else "-",
        extra={"client": host, "status": status, "bytes": length},
    )


def access_log_as_records() -> None:
    AccessLogGenerator.write_entry = _write_entry  # type: ignore[method-assign]

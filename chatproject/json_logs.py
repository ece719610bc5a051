"""CHAT_LOG_FORMAT=json: one JSON object per line, for a log shipper (Loki, Elasticsearch,
CloudWatch ...) to read without parsing text."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

# The ids chat.log_context.ContextFilter puts on records, and the access log's fields
# (chatproject.serving.access_log).
CONTEXT_FIELDS = ("request_id", "user_id", "thread_id", "run_id", "client", "status", "bytes")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)

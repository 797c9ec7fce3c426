"""Logging pieces named in settings.LOGGING: the request-id filter and two formatters.

`JsonFormatter` writes one JSON object per line (production); `TextFormatter` a readable line (development).
Both show the request id that `RequestIdFilter` puts on every record passing through the handler.
"""

import json
import logging
from datetime import UTC, datetime

from milkshop.observability.context import request_id

# Attributes every LogRecord has; anything else on a record came from `extra=` and is written out as a field.
STANDARD_ATTRIBUTES = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "request_id"}


class RequestIdFilter(logging.Filter):
    """Stamp the current request id (or None) on each record; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, request_id, then the record's extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for key, value in record.__dict__.items():
            if key not in STANDARD_ATTRIBUTES and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """`time LEVEL logger message [request id]` for a terminal."""

    def __init__(self, fmt: str | None = None, **kwargs):
        super().__init__(fmt or "%(asctime)s %(levelname)-7s %(name)s  %(message)s", **kwargs)

    def formatMessage(self, record: logging.LogRecord) -> str:
        text = super().formatMessage(record)
        rid = getattr(record, "request_id", None)
        return f"{text}  [{rid}]" if rid else text

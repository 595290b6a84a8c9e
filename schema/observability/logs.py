"""One log line per request, as text (the default) or JSON (LOG_FORMAT=json).

The line carries what the request did, never what it carried: no variables,
no document, no headers or cookies. A masked error's errorId is in it, so the
line leads to the stack trace logged under the same id.
"""

from __future__ import annotations

import datetime
import logging
import re
from typing import Any

import orjson

from .records import RequestRecord, current_request_id

logger = logging.getLogger("ordergraph.requests")
FIELDS_ATTRIBUTE = "ordergraph_fields"
# Text values with anything but these are quoted (a client-chosen operation
# name cannot start a new line or fake another field).
PLAIN_VALUE = re.compile(r"[A-Za-z0-9._:/@+-]*")
MAX_NAME_LENGTH = 100


def fields(record: RequestRecord) -> dict[str, Any]:
    name = record.operation_name
    return {
        "request_id": record.request_id,
        "method": record.method,
        "path": record.path[:MAX_NAME_LENGTH],
        "status": record.status,
        "duration_ms": round(record.duration_seconds * 1000, 2),
        "sql": record.sql_queries,
        "operation": name[:MAX_NAME_LENGTH] if name is not None else None,
        "operation_type": record.operation_type,
        "user_id": record.user_id,
        "cost": record.cost,
        "error_codes": record.error_codes,
        "error_ids": record.error_ids,
    }


def _text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, list):
        value = ",".join(map(str, value)) or "-"
    text = str(value)
    return text if PLAIN_VALUE.fullmatch(text) else orjson.dumps(text).decode()


class _Logfmt:
    """Formats the fields only if the line is emitted."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def __str__(self) -> str:
        return " ".join(f"{key}={_text(value)}" for key, value in self.data.items())


def report(record: RequestRecord) -> None:
    if not logger.isEnabledFor(logging.INFO):
        return
    data = fields(record)
    # logger.info() less its findCaller(): a walk up the stack on every
    # request, for a source location no format prints.
    line = logger.makeRecord(
        logger.name,
        logging.INFO,
        __file__,
        0,
        "request %s",
        (_Logfmt(data),),
        None,
        extra={FIELDS_ATTRIBUTE: data},
    )
    logger.handle(line)


class JsonFormatter(logging.Formatter):
    """One JSON object per line; a request line's fields at its top level.

    A line logged while a request is served carries that request's id.
    """

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] | None = getattr(record, FIELDS_ATTRIBUTE, None)
        line: dict[str, Any] = {
            "time": datetime.datetime.fromtimestamp(
                record.created, datetime.UTC
            ).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": "request" if data is not None else record.getMessage(),
        }
        if data is not None:
            line.update(data)
        elif (request_id := current_request_id.get()) is not None:
            line["request_id"] = request_id
        if record.exc_info:
            line["exc_info"] = self.formatException(record.exc_info)
        return orjson.dumps(line, default=str).decode()

"""What one request did, gathered while it runs, reported once it is answered."""

from __future__ import annotations

import re
import secrets
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest

# A request id taken from the client (or the front) as it is: bounded, and
# from a charset that cannot break a log line or a header.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")
REQUEST_ID_HEADER = "X-Request-ID"
ATTRIBUTE = "observed"
# The id of the request being served, for lines other loggers write meanwhile
# (the stack trace of a masked error, say).
current_request_id: ContextVar[str | None] = ContextVar(
    "current_request_id", default=None
)


def request_id_from(header: str | None) -> str:
    """The client's X-Request-ID when sane, else a new one (32 hex digits)."""
    if header and SANE_REQUEST_ID.fullmatch(header):
        return header
    return secrets.token_hex(16)


@dataclass
class RequestRecord:
    request_id: str
    method: str
    path: str
    status: int = 0
    duration_seconds: float = 0.0
    sql_queries: int = 0
    result_noted: bool = False  # the GraphQL view's result was read into it
    operation_started: bool = False  # an operation was chosen and began
    operation_name: str | None = None
    operation_type: str | None = None
    user_id: Any = None
    cost: int | None = None
    error_codes: list[str] = field(default_factory=list)
    error_ids: list[str] = field(default_factory=list)

    def note_errors(self, errors: list[dict[str, Any]]) -> None:
        """Codes and masked-error ids from a response's `errors` list."""
        for error in errors:
            extensions = error.get("extensions") if isinstance(error, dict) else None
            if not isinstance(extensions, dict):
                continue
            code, error_id = extensions.get("code"), extensions.get("errorId")
            if isinstance(code, str):
                self.error_codes.append(code)
            if isinstance(error_id, str):
                self.error_ids.append(error_id)


def record_of(request: Any) -> RequestRecord | None:
    """The record the middleware attached to this request, if any."""
    record = getattr(request, ATTRIBUTE, None)
    return record if isinstance(record, RequestRecord) else None


def attach(request: HttpRequest, record: RequestRecord) -> None:
    setattr(request, ATTRIBUTE, record)

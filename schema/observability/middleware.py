"""Observe every request: its id, timing, SQL, metrics, log line and trace."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

import orjson
from django.db import connections
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.functional import SimpleLazyObject, empty

from . import logs, metrics, tracing
from .records import (
    REQUEST_ID_HEADER,
    RequestRecord,
    attach,
    current_request_id,
    request_id_from,
)

# request.META's key for X-Request-ID: reading it there spares building
# request.headers (every header, on every request).
REQUEST_ID_META = "HTTP_" + REQUEST_ID_HEADER.upper().replace("-", "_")
# Error bodies read back for their codes (refusals outside GraphQL) are small.
MAX_ERROR_BODY = 64 * 1024


def _user_id(request: HttpRequest) -> Any:
    """The signed-in user's id, without a database lookup to learn it."""
    user = request.__dict__.get("user")
    if user is None:
        return None
    if isinstance(user, SimpleLazyObject) and user.__dict__["_wrapped"] is empty:
        return None  # nobody asked who it was: not worth a query
    return getattr(user, "pk", None)


def _note_error_body(record: RequestRecord, response: HttpResponse) -> None:
    """Codes of an error answered outside GraphQL execution (HTTP 4xx, outage)."""
    if "json" not in response.get("Content-Type", "") or response.streaming:
        return
    content = response.content
    if len(content) > MAX_ERROR_BODY:
        return
    try:
        body = orjson.loads(content)
    except orjson.JSONDecodeError:
        return
    if isinstance(body, dict) and isinstance(body.get("errors"), list):
        record.note_errors(body["errors"])


class ObservabilityMiddleware:
    """Put a request id on every request and report it once answered."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.graphql_path = reverse("graphql")
        tracing.setup_from_settings()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        record = RequestRecord(
            request_id_from(request.META.get(REQUEST_ID_META)),
            request.method or "",
            request.path,
        )
        attach(request, record)

        def count(execute: Callable[..., Any], *args: Any) -> Any:
            record.sql_queries += 1
            return execute(*args)

        active = tracing.tracer()
        started = time.perf_counter()
        with ExitStack() as stack:
            stack.callback(
                current_request_id.reset, current_request_id.set(record.request_id)
            )
            span = None
            if active is not None:
                span = stack.enter_context(tracing.request_span(active, request))
            for connection in connections.all():
                stack.enter_context(connection.execute_wrapper(count))
                if active is not None:
                    wrapper = tracing.sql_span_wrapper(active, connection.vendor)
                    stack.enter_context(connection.execute_wrapper(wrapper))
            response = self.get_response(request)
            record.duration_seconds = time.perf_counter() - started
            record.status = response.status_code
            record.user_id = _user_id(request)
            if not record.result_noted:
                _note_error_body(record, response)
            if span is not None:
                tracing.finish_request_span(span, record)
        response[REQUEST_ID_HEADER] = record.request_id
        if request.path == self.graphql_path:
            metrics.observe(record)
        logs.report(record)
        return response

"""OpenTelemetry traces: off unless OTEL_EXPORTER_OTLP_ENDPOINT or TRACING_ENABLED.

When on, each request is a server span with children for parsing,
validating and executing the GraphQL document, and one per SQL query (its
text with placeholders, never its parameters). When off, nothing here runs
per request: no tracer, no span, no extension hook.

The provider is this module's own, not OpenTelemetry's global one, so that a
test can swap in the SDK's in-memory exporter (`use`) and put it back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.http import HttpRequest
from opentelemetry import propagate
from opentelemetry.trace import SpanKind, Status, StatusCode, Tracer

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.trace import Span

    from .records import RequestRecord

INSTRUMENTATION = "ordergraph"
# Client-chosen text in attributes is cut to this many characters.
MAX_NAME_LENGTH = 100

_tracer: Tracer | None = None


def tracer() -> Tracer | None:
    """The tracer when tracing is on, else None."""
    return _tracer


def use(provider: TracerProvider | None) -> None:
    """Trace through `provider` from now on; None turns tracing off."""
    global _tracer
    _tracer = provider.get_tracer(INSTRUMENTATION) if provider is not None else None


def setup_from_settings() -> None:
    """Export over OTLP/HTTP when the settings turn tracing on (once)."""
    if _tracer is not None or not settings.TRACING_ENABLED:
        return
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import (
        OTLPSpanExporter,
    )
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    # The exporter and the resource read the standard OTEL_* variables
    # (endpoint, headers, OTEL_SERVICE_NAME, ...); spans leave in batches,
    # from a thread of each worker, never on the request's path.
    provider = TracerProvider(resource=Resource.create({"service.name": "ordergraph"}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    use(provider)


@contextmanager
def request_span(active: Tracer, request: HttpRequest) -> Iterator[Span]:
    """The request's server span, continuing the caller's trace (traceparent)."""
    parent = propagate.extract(request.headers)
    with active.start_as_current_span(
        f"{request.method} {request.path}"[:MAX_NAME_LENGTH],
        context=parent,
        kind=SpanKind.SERVER,
        attributes={
            "http.request.method": request.method or "",
            "url.path": request.path[:MAX_NAME_LENGTH],
        },
    ) as span:
        yield span


def finish_request_span(span: Span, record: RequestRecord) -> None:
    span.set_attribute("http.response.status_code", record.status)
    span.set_attribute("ordergraph.request_id", record.request_id)
    span.set_attribute("db.client.operations", record.sql_queries)
    if record.operation_type:
        name = (record.operation_name or "")[:MAX_NAME_LENGTH]
        span.update_name(f"{record.operation_type} {name}".strip())
        span.set_attribute("graphql.operation.type", record.operation_type)
        if name:
            span.set_attribute("graphql.operation.name", name)
    if record.user_id is not None:
        span.set_attribute("enduser.id", str(record.user_id))
    if record.cost is not None:
        span.set_attribute("graphql.cost", record.cost)
    if record.error_codes:
        span.set_attribute("graphql.error.codes", record.error_codes)
    if record.error_ids:
        span.set_attribute("graphql.error.ids", record.error_ids)
    if record.status >= 500 or "INTERNAL_SERVER_ERROR" in record.error_codes:
        span.set_status(Status(StatusCode.ERROR))


@contextmanager
def phase(name: str) -> Iterator[None]:
    """A child span for one phase of the operation, when tracing is on."""
    active = _tracer
    if active is None:
        yield
        return
    with active.start_as_current_span(name):
        yield


def sql_span_wrapper(active: Tracer, vendor: str) -> Callable[..., Any]:
    """A database execute_wrapper that puts each query in a span of its own."""

    def traced(
        execute: Callable[..., Any],
        sql: str,
        params: Any,
        many: bool,
        context: dict[str, Any],
    ) -> Any:
        verb = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else "SQL"
        with active.start_as_current_span(
            verb,
            kind=SpanKind.CLIENT,
            attributes={"db.system.name": vendor, "db.query.text": sql},
        ):
            return execute(sql, params, many, context)

    return traced

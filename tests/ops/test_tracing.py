"""Spans through the real view, exported by the OpenTelemetry SDK's in-memory
exporter: a request span, its phases, its SQL, and nothing it carried."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
    InMemorySpanExporter,
)
from opentelemetry.trace import SpanKind

from schema.observability import tracing
from schema.observability.extension import (
    ObserveOperation,
    TraceOperation,
    observe_operation,
)
from tests.factories import place_order
from tests.graphql_client import GraphQLClient

PHASES = ["graphql.parse", "graphql.validate", "graphql.execute"]


@pytest.fixture
def exported() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.use(provider)
    try:
        yield exporter
    finally:
        tracing.use(None)
        provider.shutdown()


def request_span(spans: tuple[ReadableSpan, ...], name: str) -> ReadableSpan:
    [root] = [s for s in spans if s.kind is SpanKind.SERVER and s.name == name]
    return root


def children(spans: tuple[ReadableSpan, ...], parent: ReadableSpan) -> list[str]:
    parent_id = parent.context.span_id
    return [s.name for s in spans if s.parent and s.parent.span_id == parent_id]


def test_a_request_is_one_span_with_its_phases_and_sql(
    customer_client: GraphQLClient, customer, product, exported
):
    for _ in range(3):
        place_order(customer, product)
    customer_client.csrf_token()
    exported.clear()

    reply = customer_client.run("MyOrders", first=10)

    spans = exported.get_finished_spans()
    root = request_span(spans, "query MyOrders")
    attributes = dict(root.attributes or {})
    assert attributes["graphql.operation.name"] == "MyOrders"
    assert attributes["graphql.operation.type"] == "query"
    assert attributes["http.response.status_code"] == 200
    assert attributes["graphql.cost"] == reply.body["extensions"]["cost"]["requested"]
    assert [name for name in children(spans, root) if name in PHASES] == PHASES
    [execute] = [s for s in spans if s.name == "graphql.execute"]
    sql = [s for s in spans if s.kind is SpanKind.CLIENT]
    # the session and user lookups before execution, the page's queries in it
    assert len(sql) == attributes["db.client.operations"]
    assert {s.name for s in sql} == {"SELECT"}
    assert children(spans, execute) == ["SELECT"] * 3  # count, page, products
    assert all(s.context.trace_id == root.context.trace_id for s in spans)


def test_error_codes_and_no_values_in_spans(anonymous_client: GraphQLClient, exported):
    secret = "span-secret-Pa55word"
    anonymous_client.csrf_token()
    exported.clear()

    anonymous_client.run("Login", input={"username": "nobody", "password": secret})
    anonymous_client.execute("{ products(")

    spans = exported.get_finished_spans()
    login = request_span(spans, "mutation Login")
    broken = request_span(spans, "POST /graphql/")
    assert "graphql.error.codes" not in (login.attributes or {})
    assert (broken.attributes or {})["graphql.error.codes"] == ("GRAPHQL_PARSE_FAILED",)
    everything = repr([(s.name, dict(s.attributes or {})) for s in spans])
    assert secret not in everything
    assert "nobody" not in everything


def test_a_request_continues_the_callers_trace(anonymous_client, exported):
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    anonymous_client.csrf_token()
    exported.clear()

    anonymous_client.execute(
        "{ __typename }",
        HTTP_TRACEPARENT=f"00-{trace_id}-00f067aa0ba902b7-01",
    )

    [root] = [s for s in exported.get_finished_spans() if s.kind is SpanKind.SERVER]
    assert f"{root.context.trace_id:032x}" == trace_id


def test_without_tracing_no_tracing_code_runs(anonymous_client):
    assert tracing.tracer() is None
    assert type(observe_operation()) is ObserveOperation
    assert not isinstance(observe_operation(), TraceOperation)
    assert anonymous_client.execute("{ __typename }").data == {"__typename": "Query"}

"""Prometheus metrics per GraphQL operation, counted by every process.

Under gunicorn each worker writes its figures to files in
PROMETHEUS_MULTIPROC_DIR (config/gunicorn.conf.py sets it up), and the
arbiter serves their sum on METRICS_BIND; elsewhere (make run, the tests) they
live in this process.

Labels are bounded, so no client can mint series: an operation name is kept
only when it is one of the frontend contract's operations (or listed in
GRAPHQL_METRICS_OPERATIONS), else it counts as `other`; an error code only
when it is one of ours, else `other`.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from django.conf import settings
from prometheus_client import Counter, Gauge, Histogram

from schema.error_codes import all_error_codes

if TYPE_CHECKING:
    from .records import RequestRecord

# The operations frontends send (tests/contract/frontend-operations.graphql;
# a test keeps the two equal).
CONTRACT_OPERATIONS = frozenset(
    {
        "AllOrdersByStatus",
        "CancelOrder",
        "CatalogPage",
        "ChangeQuantity",
        "CreateProduct",
        "DeleteProduct",
        "Login",
        "Logout",
        "Me",
        "MyOrders",
        "OrderChanged",
        "OrderDetail",
        "PlaceOrder",
        "ProductChanged",
        "ProductDetail",
        "Refetch",
        "Register",
        "SearchProducts",
        "SetOrderStatus",
        "UpdateProduct",
    }
)
# A named operation no list knows, an unnamed one, and a request refused
# before any operation was chosen (malformed JSON, a wrong method).
OTHER, ANONYMOUS, NONE = "other", "anonymous", "none"
OPERATION_TYPES = frozenset({"query", "mutation", "subscription"})


@functools.cache
def _error_codes() -> frozenset[str]:
    """Every declared code (apps' and the gateway's, the HTTP refusals' too);
    read on first use, once the schema has imported every app's codes."""
    return frozenset(all_error_codes())


LABELS = ("operation", "type")
# Seconds: from a cached cheap query (a few ms) to past gunicorn's timeout.
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

REQUESTS = Counter("graphql_requests", "GraphQL requests over HTTP.", LABELS)
DURATION = Histogram(
    "graphql_request_duration_seconds",
    "Time from the request's arrival to its response, middleware included.",
    LABELS,
    buckets=DURATION_BUCKETS,
)
SQL_QUERIES = Counter(
    "graphql_sql_queries", "SQL queries sent while serving GraphQL requests.", LABELS
)
ERRORS = Counter(
    "graphql_errors",
    "Errors in GraphQL responses (the top-level errors), by code.",
    (*LABELS, "code"),
)
COST = Counter(
    "graphql_cost_points",
    "Cost points of the operations whose cost was computed (refused ones too).",
    LABELS,
)
LIVE_SUBSCRIPTIONS = Gauge(
    "graphql_live_subscriptions",
    "Subscriptions live on WebSockets now.",
    multiprocess_mode="livesum",
)


@functools.cache
def _series(operation: str, type_: str) -> tuple[Any, Any, Any, Any]:
    """One operation's labelled series, looked up once: `labels()` takes a lock
    and checks its values on every call. The labels are bounded (above), so
    the cache is too."""
    return (
        REQUESTS.labels(operation, type_),
        DURATION.labels(operation, type_),
        SQL_QUERIES.labels(operation, type_),
        COST.labels(operation, type_),
    )


def operation_label(name: str | None) -> str:
    if name is None:
        return ANONYMOUS
    if name in CONTRACT_OPERATIONS or name in settings.GRAPHQL_METRICS_OPERATIONS:
        return name
    return OTHER


def observe(record: RequestRecord) -> None:
    """Count one GraphQL request over HTTP."""
    labels = (
        operation_label(record.operation_name) if record.operation_started else NONE,
        record.operation_type if record.operation_type in OPERATION_TYPES else NONE,
    )
    requests, duration, sql_queries, cost = _series(*labels)
    requests.inc()
    duration.observe(record.duration_seconds)
    if record.sql_queries:
        sql_queries.inc(record.sql_queries)
    if record.cost is not None:
        cost.inc(record.cost)
    for code in record.error_codes:
        ERRORS.labels(*labels, code if code in _error_codes() else OTHER).inc()

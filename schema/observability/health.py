"""Liveness and readiness probes for a load balancer: /healthz and /readyz.

The first middleware answers them, before sessions, CSRF, the host check, the
HTTPS redirect or anything GraphQL: a probe needs no cookie, no token and no
Host from ALLOWED_HOSTS (load balancers probe by address), and never touches
the cost bucket, the sign-in throttle or the request log.
"""

import math
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import orjson
import redis
from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse

from schema.error_codes import GatewayErrorCode

LIVENESS_PATH = "/healthz"
READINESS_PATH = "/readyz"
PROBE_PATHS = frozenset(
    {LIVENESS_PATH, f"{LIVENESS_PATH}/", READINESS_PATH, f"{READINESS_PATH}/"}
)
# libpq rounds a connect_timeout under 2 seconds up to 2.
LIBPQ_MIN_CONNECT_TIMEOUT = 2


def _json(status: int, body: dict[str, Any]) -> HttpResponse:
    response = HttpResponse(
        orjson.dumps(body), status=status, content_type="application/json"
    )
    response["Cache-Control"] = "no-store"
    return response


def check_database(alias: str, timeout: float) -> None:
    """Open a connection of its own to `alias` and run SELECT 1, within timeout.

    A fresh connection, not the worker's persistent one: the probe then says
    whether a request arriving now could connect, and its own timeouts bound
    it however the server fails (refusing, or not answering at all).
    """
    wrapper = connections[alias]
    params = wrapper.get_connection_params()
    postgresql = wrapper.vendor == "postgresql"
    if postgresql:
        params["connect_timeout"] = max(LIBPQ_MIN_CONNECT_TIMEOUT, math.ceil(timeout))
    else:
        params["timeout"] = timeout  # SQLite: how long to wait for a lock
    connection = wrapper.get_new_connection(params)
    try:
        cursor = connection.cursor()
        if postgresql:
            # In this transaction only (closing rolls it back): behind PgBouncer
            # in transaction pooling, a session setting would outlive the probe
            # on a server connection that other clients share next.
            cursor.execute(f"SET LOCAL statement_timeout = {int(timeout * 1000)}")
        cursor.execute("SELECT 1")
        cursor.fetchone()
        # Ended, not left open: a pooler can hand the server connection on.
        connection.rollback()
    finally:
        connection.close()


def check_redis(timeout: float) -> None:
    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=timeout, socket_timeout=timeout
    )
    try:
        client.ping()
    finally:
        client.close()


def readiness_checks() -> dict[str, Callable[[float], None]]:
    """What must answer for this process to serve: each database, then Redis."""
    checks: dict[str, Callable[[float], None]] = {
        f"database:{alias}": partial(check_database, alias)
        for alias in settings.DATABASES
    }
    if settings.REDIS_URL:
        checks["redis"] = check_redis
    return checks


def readiness() -> tuple[bool, dict[str, Any]]:
    timeout = settings.READINESS_TIMEOUT_SECONDS
    results: dict[str, Any] = {}
    for name, check in readiness_checks().items():
        started = time.perf_counter()
        try:
            check(timeout)
        except Exception as error:  # any failure means "not ready"; say which
            results[name] = {"ok": False, "error": type(error).__name__}
        else:
            results[name] = {"ok": True}
        results[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return all(result["ok"] for result in results.values()), results


class HealthMiddleware:
    """Answer the probes; hand every other request on untouched."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path not in PROBE_PATHS:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            response = _json(405, {"status": "method not allowed"})
            response["Allow"] = "GET, HEAD"
            return response
        if request.path.startswith(LIVENESS_PATH):
            return _json(200, {"status": "ok"})
        ready, checks = readiness()
        if ready:
            return _json(200, {"status": "ready", "checks": checks})
        failed = sorted(name for name, result in checks.items() if not result["ok"])
        return _json(
            503,
            {
                "status": "unavailable",
                "code": GatewayErrorCode.SERVICE_UNAVAILABLE.value,
                "failed": failed,
                "checks": checks,
            },
        )

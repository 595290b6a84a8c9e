"""/healthz and /readyz through the production server: up, and with what fails."""

from __future__ import annotations

import os

import pytest

from tests.ops.probes import get
from tests.support.site import migrated_database
from tools.postgres import (
    POSTGRES_SCHEMES,
    PostgresUnavailable,
    find_bindir,
    running_cluster,
)
from tools.redis import running_redis
from tools.server import manage, production_env, running_server


def test_probes_answer_without_cookies_csrf_host_or_cost():
    # given: a cost bucket that would refuse a second query for an hour, and
    # a Redis that answers
    with (
        running_redis() as redis,
        migrated_database(
            REDIS_URL=redis.url(),
            GRAPHQL_COST_BUCKET="1000",
            GRAPHQL_COST_RESTORE_RATE="0.001",
        ) as env,
        running_server(env, workers=1) as server,
    ):
        # when
        alive = get(server.port, "/healthz", Host="10.1.2.3:8000")
        ready = get(server.port, "/readyz")
        head = get(server.port, "/readyz", method="HEAD")
        posted = get(server.port, "/readyz", method="POST")
        probes = [get(server.port, "/readyz") for _ in range(20)]
        bucket = server.client().execute("{ __typename }").json["extensions"]

        # then: a load balancer's Host, no cookie set, nothing spent
        assert (alive.status, alive.json) == (200, {"status": "ok"})
        assert ready.status == 200
        assert ready.json["status"] == "ready"
        assert {name: check["ok"] for name, check in ready.json["checks"].items()} == {
            "database:default": True,
            "redis": True,
        }
        assert head.status == 200
        assert (posted.status, posted.headers["Allow"]) == (405, "GET, HEAD")
        assert {p.status for p in probes} == {200}
        assert all(a.headers.get("Set-Cookie") is None for a in (alive, ready))
        assert alive.headers["Cache-Control"] == "no-store"
        assert "X-Request-ID" not in alive.headers
        # the bucket paid for three cheap queries (10 points each: the
        # server's readiness wait, the client's CSRF cookie, this one) and
        # for none of the 23 probes
        assert bucket["cost"]["currentlyAvailable"] == 1000 - 3 * 10

        # when Redis goes away
        redis.stop()
        down = get(server.port, "/readyz")

        # then: 503, naming it; liveness does not care
        assert down.status == 503
        assert down.json["failed"] == ["redis"]
        assert down.json["code"] == "SERVICE_UNAVAILABLE"
        assert down.json["checks"]["database:default"]["ok"] is True
        assert down.json["checks"]["redis"]["ok"] is False
        assert get(server.port, "/healthz").status == 200


def postgres_of_our_own() -> bool:
    """In the PostgreSQL run, with server binaries to start a cluster with."""
    if not os.environ.get("DATABASE_URL", "").startswith(POSTGRES_SCHEMES):
        return False
    try:
        find_bindir()
    except PostgresUnavailable:
        return False
    return True


@pytest.mark.skipif(
    not postgres_of_our_own(),
    reason="PostgreSQL only: the test stops and starts a cluster of its own",
)
def test_readiness_follows_postgres_down_and_back():
    # given: the server on a throwaway cluster of its own
    with running_cluster() as cluster:
        env = production_env(cluster.url(), READINESS_TIMEOUT_SECONDS="1")
        manage(env, "migrate", "--noinput")
        with running_server(env, workers=2) as server:
            before = get(server.port, "/readyz")

            # when PostgreSQL stops
            cluster.stop()
            try:
                down = [get(server.port, "/readyz") for _ in range(4)]
                alive = get(server.port, "/healthz")
            finally:
                cluster.start()
            # and is back
            back = get(server.port, "/readyz")

    # then: every worker said so, and said what failed
    assert before.status == 200
    assert {answer.status for answer in down} == {503}
    assert {tuple(answer.json["failed"]) for answer in down} == {("database:default",)}
    assert {answer.json["checks"]["database:default"]["error"] for answer in down} == {
        "OperationalError"
    }
    assert alive.status == 200
    assert back.status == 200
    assert back.json["checks"]["database:default"]["ok"] is True

"""Prometheus metrics scraped from the production server after real traffic."""

from __future__ import annotations

import asyncio
import re
import signal
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from strawberry.relay import to_base64

from schema.observability.metrics import CONTRACT_OPERATIONS
from tests.live.site import STAFF, running_site
from tests.live.sockets import Subscription, socket
from tests.ops.conftest import PASSWORD, OpsSite
from tests.ops.probes import get, listening_ports, scrape, value
from tests.support.site import migrated_database
from tools.contract import contract_operations
from tools.graphql_http import HOST, GraphQLHttpClient
from tools.server import free_port, running_server

MY_ORDERS = {"operation": "MyOrders", "type": "query"}
THREADS, PER_THREAD = 4, 5
UNKNOWN_NAMES = 25


def my_orders_loop(client: GraphQLHttpClient) -> list[int]:
    costs = []
    for _ in range(PER_THREAD):
        reply = client.run("MyOrders", first=10)
        assert reply.status == 200
        assert reply.data, reply.raw[:300]
        costs.append(reply.json["extensions"]["cost"]["requested"])
    return costs


def test_metrics_count_every_worker_per_operation(ops_site: OpsSite):
    # given
    customer = ops_site.client()
    customer.login("site-customer", PASSWORD)
    before = scrape(ops_site.metrics_port)

    # when: clients at once, so both workers serve; names no contract knows;
    # a document that does not parse; a masked error
    with ThreadPoolExecutor(THREADS) as pool:
        clients = [customer.copy() for _ in range(THREADS)]
        costs = [cost for loop in pool.map(my_orders_loop, clients) for cost in loop]
    for n in range(UNKNOWN_NAMES):
        customer.execute(f"query Probe{n} {{ __typename }}")
    broken = customer.execute("{ products(")
    failed = customer.run(
        "PlaceOrder",
        input={"productId": to_base64("Product", ops_site.product_pk), "quantity": 1},
    )
    after = scrape(ops_site.metrics_port)

    # then
    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    requests = THREADS * PER_THREAD
    assert delta("graphql_requests_total", **MY_ORDERS) == requests
    assert delta("graphql_request_duration_seconds_count", **MY_ORDERS) == requests
    assert delta("graphql_request_duration_seconds_sum", **MY_ORDERS) > 0
    assert delta("graphql_cost_points_total", **MY_ORDERS) == sum(costs)
    # the module's only MyOrders requests: their log lines agree
    sql = [
        line["sql"]
        for line in ops_site.log_lines()
        if line.get("operation") == "MyOrders"
    ]
    assert len(sql) == requests
    assert delta("graphql_sql_queries_total", **MY_ORDERS) == sum(sql)
    assert delta("graphql_errors_total", **MY_ORDERS, code="INTERNAL_SERVER_ERROR") == 0
    # unknown names share one series
    other = {"operation": "other", "type": "query"}
    assert delta("graphql_requests_total", **other) == UNKNOWN_NAMES
    assert not any(
        dict(labels).get("operation", "").startswith("Probe") for _, labels in after
    )
    # errors by code
    assert broken.error_codes == ["GRAPHQL_PARSE_FAILED"]
    parse_failed = {"operation": "anonymous", "type": "none"}
    assert (
        delta("graphql_errors_total", **parse_failed, code="GRAPHQL_PARSE_FAILED") == 1
    )
    assert failed.error_codes == ["INTERNAL_SERVER_ERROR"]
    placed = {"operation": "PlaceOrder", "type": "mutation"}
    assert delta("graphql_errors_total", **placed, code="INTERNAL_SERVER_ERROR") == 1
    assert value(after, "graphql_live_subscriptions") == 0
    # and every worker wrote its own figures
    written = {
        int(match.group(1))
        for path in ops_site.metrics_dir.iterdir()
        if (match := re.fullmatch(r"counter_(\d+)\.db", path.name))
    }
    assert set(ops_site.server.workers()) <= written


def test_metrics_are_not_on_the_public_port(ops_site: OpsSite):
    public = get(ops_site.server.port, "/metrics")
    elsewhere = ops_site.server.client().request("GET", "/metrics/")

    assert public.status == 404
    assert b"graphql_requests" not in public.body
    assert elsewhere.status == 404
    # bound to the one loopback address METRICS_BIND names, not to all
    with pytest.raises(ConnectionRefusedError):
        get(ops_site.metrics_port, "/metrics", host="127.0.0.2")


def test_no_metrics_listener_unless_configured():
    with migrated_database() as env, running_server(env, workers=1) as server:
        ports = listening_ports(server.process.pid)

    assert ports == {server.port}


def test_after_a_reload_the_arbiter_still_serves_metrics_and_no_worker_holds_them():
    metrics_port = free_port()
    with (
        migrated_database() as env,
        running_server(
            {**env, "METRICS_BIND": f"{HOST}:{metrics_port}"}, workers=1
        ) as server,
    ):
        [old] = server.workers()
        server.process.send_signal(signal.SIGHUP)  # gunicorn's own reload
        deadline = time.monotonic() + 60
        while (workers := server.workers()) == [old] or len(workers) != 1:
            assert time.monotonic() < deadline, "no new worker"
            time.sleep(0.05)
        server.wait_until_ready()
        [new] = server.workers()
        arbiter_ports = listening_ports(server.process.pid)
        worker_ports = listening_ports(new)
        scraped = scrape(metrics_port)

    assert metrics_port in arbiter_ports
    assert worker_ports == {server.port}
    assert any(name == "graphql_requests_total" for name, _ in scraped)


def test_the_known_operations_are_the_contract():
    assert set(contract_operations()) == CONTRACT_OPERATIONS


def test_live_subscriptions_of_the_asgi_process_count_in_the_scrape(tmp_path):
    # given: the ASGI process and gunicorn sharing one PROMETHEUS_MULTIPROC_DIR
    shared = {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    with running_site(**shared) as site:
        metrics_port = free_port()
        gunicorn_env = {**site.env, **shared, "METRICS_BIND": f"{HOST}:{metrics_port}"}
        with running_server(gunicorn_env, workers=1):
            staff = site.sign_in(STAFF)
            product = staff.run(
                "CreateProduct",
                input={"name": "Gauge", "price": "1.00", "stockQuantity": 1},
            ).data["createProduct"]["id"]

            def live() -> float:
                return value(scrape(metrics_port), "graphql_live_subscriptions")

            async def scenario() -> list[float]:
                seen = [live()]
                async with socket(site) as session:
                    first = Subscription(session, "ProductChanged", id=product)
                    Subscription(session, "ProductChanged", id=product)
                    seen.append(await until(live, 2))
                    await first.stop()  # the client completes it
                    seen.append(await until(live, 1))
                # the socket closed with the other still running
                seen.append(await until(live, 0))
                return seen

            # when / then
            assert asyncio.run(scenario()) == [0, 2, 1, 0]


async def until(read: Callable[[], float], expected: float) -> float:
    """The value once it is `expected`, or the last one read after a while."""
    for _ in range(100):
        seen = await asyncio.to_thread(read)
        if seen == expected:
            break
        await asyncio.sleep(0.05)
    return seen

"""PostgreSQL restarted under load: clear errors meanwhile, service right after."""

import random
import threading
import time
from collections import Counter
from collections.abc import Callable

import pytest

from tests.concurrency.conftest import REPORT
from tests.concurrency.live import Live, Scale
from tests.concurrency.load import OK, Tally, run_threads
from tests.concurrency.placements import Placements

pytestmark = pytest.mark.concurrency

STOCK = 100_000
MAX_REQUESTS_PER_THREAD = 5_000
SETTLE_SECONDS = 1.0
DOWN_SECONDS = 1.0  # refused connections, as during a real restart
RECOVERY_SECONDS = 2.0  # load kept up after PostgreSQL is back
NO_HANG_SECONDS = 10.0
UNAVAILABLE = "SERVICE_UNAVAILABLE"


def test_a_postgres_restart_fails_requests_clearly_and_service_resumes(
    healthy: Live, scale: Scale, tally: Callable[[str], Tally]
):
    if (cluster := healthy.cluster) is None:
        pytest.skip("DATABASE_URL's server is not ours to restart")
    live, record = healthy, tally("PostgreSQL restart")
    orders = Placements(live.create_product(stock=STOCK))
    workers = live.server.workers()
    back_at: list[float] = []
    stop = threading.Event()

    def restart() -> None:
        # when: PostgreSQL goes down under load (fast shutdown: sessions are
        # cut off mid-transaction), stays down a second, comes back
        time.sleep(SETTLE_SECONDS)
        try:
            cluster.restart(down_seconds=DOWN_SECONDS)
            back_at.append(time.monotonic())
            time.sleep(max(RECOVERY_SECONDS, scale.fault_seconds - SETTLE_SECONDS))
        finally:
            stop.set()

    def client(index: int) -> None:
        customer, anonymous = live.customer(index), live.server.client()
        rng = random.Random(index)
        for n in range(MAX_REQUESTS_PER_THREAD):
            if stop.is_set():
                return
            if rng.random() < 0.7:
                orders.place(record, customer, f"restart-{index}-{n}")
            elif rng.random() < 0.5:
                record.call(customer, "MyOrders", "orders", first=20)
            else:
                record.call(anonymous, "CatalogPage", "products", first=20)

    def anyone(index: int) -> None:
        restart() if index == 0 else client(index - 1)

    run_threads(
        anyone,
        1 + scale.fault_clients,
        deadline_seconds=SETTLE_SECONDS + DOWN_SECONDS + scale.fault_seconds,
    )

    # then: while it was down, requests failed fast with a clear, retryable
    # GraphQL error, a 200 whether a resolver or the session lookup before
    # GraphQL ran met the outage; never a 5xx, a dropped connection, an HTML
    # page or a masked internal error
    assert back_at, "PostgreSQL did not come back"
    assert record.results()[UNAVAILABLE] >= 1
    assert record.unexpected({UNAVAILABLE}) == Counter()
    assert {o.status for o in record.outcomes if o.result == UNAVAILABLE} == {200}
    assert record.server_errors() == 0
    assert max(o.seconds for o in record.outcomes) < NO_HANG_SECONDS
    # and as soon as it was back, every request succeeded, on the same workers
    after = [o for o in record.outcomes if o.started >= back_at[0]]
    assert after
    assert Counter(o.result for o in after) == {OK: len(after)}
    assert live.server.workers() == workers
    # nothing confirmed was lost; unanswered orders, sent again, placed once
    orders.resend_unanswered(retries := Tally("retries"))
    assert set(retries.results()) <= {OK}
    assert retries.server_errors() == 0
    assert orders.problems(live) == []
    assert live.stock(orders.product) == STOCK - len(orders.heard)
    assert live.audit().problems == []


def test_no_scenario_of_the_suite_answered_a_5xx(
    live: Live, request: pytest.FixtureRequest
):
    # Runs last (conftest.py puts the faults last, this file last of them).
    tallies = request.config.stash.get(REPORT, [])

    assert {t.scenario: t.server_errors() for t in tallies if t.server_errors()} == {}

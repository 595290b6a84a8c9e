"""A gunicorn worker killed with SIGKILL while it serves orders."""

import os
import random
import signal
import time
from collections import Counter
from collections.abc import Callable

import pytest

from tests.concurrency.live import WORKERS, Live, Scale
from tests.concurrency.load import OK, TRANSPORT, Tally, run_threads
from tests.concurrency.placements import Placements

pytestmark = pytest.mark.concurrency

STOCK = 100_000
MAX_REQUESTS_PER_THREAD = 5_000
MAX_KILLS = 5
SETTLE_SECONDS = 1.0  # load reaches every worker before the first kill


def test_killing_a_worker_mid_request_loses_no_order(
    healthy: Live, scale: Scale, tally: Callable[[str], Tally]
):
    # given: customers placing orders (a key each) on every worker
    live, record = healthy, tally("worker SIGKILL")
    orders = Placements(live.create_product(stock=STOCK))
    deadline = time.monotonic() + scale.fault_seconds
    killed: list[int] = []

    def customer(index: int) -> None:
        client = live.customer(index)
        for n in range(MAX_REQUESTS_PER_THREAD):
            if time.monotonic() > deadline:
                return
            orders.place(record, client, f"kill-{index}-{n}")

    def killer() -> None:
        # when: a busy worker dies at once, mid-request (with more clients
        # than workers, every worker always has a request in hand)
        rng = random.Random(9)
        time.sleep(SETTLE_SECONDS)
        while len(killed) < MAX_KILLS and time.monotonic() < deadline - 1:
            victim = rng.choice(live.server.workers())
            os.kill(victim, signal.SIGKILL)
            killed.append(victim)
            time.sleep(0.5)
            if record.results()[TRANSPORT]:
                return

    def anyone(index: int) -> None:
        killer() if index == 0 else customer(index - 1)

    run_threads(anyone, 1 + scale.fault_clients, deadline_seconds=scale.fault_seconds)

    # then: the cut-off requests failed as dropped connections, nothing else
    results = record.results()
    assert results[TRANSPORT] >= 1, "no request was in flight on a killed worker"
    assert record.unexpected({TRANSPORT}) == Counter()
    assert record.server_errors() == 0
    # the arbiter replaced the dead, and the server answers
    workers = live.server.wait_for_workers(WORKERS)
    assert not set(killed) & set(workers)
    assert live.server.client().get_typename().status == 200
    # every confirmed order is stored, and each unanswered one, sent again
    # with its key, was placed exactly once
    orders.resend_unanswered(retries := Tally("retries"))
    assert retries.results() == {OK: results[TRANSPORT]}
    assert orders.problems(live) == []
    assert live.stock(orders.product) == STOCK - len(orders.heard)
    assert live.audit().problems == []

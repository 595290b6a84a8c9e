"""Through PgBouncer (CONCURRENCY_POOLER=pgbouncer): every worker busy at once
on fewer server connections than workers."""

from collections import Counter
from collections.abc import Callable

import psycopg2
import pytest

from tests.concurrency.live import POOL_SIZE, WORKERS, Live, pooler_from_env
from tests.concurrency.load import OK, Tally, run_threads

pytestmark = [
    pytest.mark.concurrency,
    pytest.mark.skipif(not pooler_from_env(), reason="CONCURRENCY_POOLER unset"),
]

CLIENTS = 2 * WORKERS
REQUESTS_PER_CLIENT = 25
SERVER_CONNECTIONS = (
    "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"
    " AND datname = current_database() AND pid <> pg_backend_pid()"
)


def test_all_workers_share_fewer_server_connections_than_workers(
    healthy: Live, tally: Callable[[str], Tally]
):
    live, record = healthy, tally(f"{CLIENTS} clients, {POOL_SIZE} connections")
    finished: list[int] = []
    seen: list[int] = []

    def watch() -> None:
        # PostgreSQL's own count of backends, sampled until the clients are
        # done, on one connection (a closed one would linger in the count)
        connection = psycopg2.connect(live.database_url)
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                while len(finished) < CLIENTS:
                    cursor.execute(SERVER_CONNECTIONS)
                    [(count,)] = cursor.fetchall()
                    seen.append(int(count))
        finally:
            connection.close()

    def client(index: int) -> None:
        if index == CLIENTS:
            return watch()
        customer = live.customer(index)
        try:
            for _ in range(REQUESTS_PER_CLIENT):
                record.call(customer, "MyOrders", "orders", first=20)
        finally:
            finished.append(index)

    run_threads(client, CLIENTS + 1, deadline_seconds=120)

    # every request answered, while PostgreSQL never saw more than the pool
    assert Counter(o.result for o in record.outcomes) == {
        OK: CLIENTS * REQUESTS_PER_CLIENT
    }
    assert seen
    assert max(seen) <= POOL_SIZE

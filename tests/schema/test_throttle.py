"""The cost bucket in-process: its arithmetic, its settings, and what the view
answers with it on local memory and on Redis (tests/security/ drives it
through the production server)."""

import logging
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
import redis
from django.core.cache import cache
from django.test import override_settings

from backend.orders.models import Order
from schema.limits import throttle
from schema.limits.throttle import BucketState, Stored, take
from tests.conftest import gid
from tests.graphql_client import Response
from tools.redis import RedisServer, free_port, running_redis

MY_ORDERS_COST = 62
# Slow enough that nothing refills while a test runs: exact figures.
STILL = 0.001


@pytest.fixture(autouse=True)
def fresh_buckets() -> Iterator[None]:
    cache.clear()
    throttle._store_down_until = 0.0
    yield
    cache.clear()
    throttle._store_down_until = 0.0


def bucket(response: Response) -> dict[str, float]:
    cost = dict(response.body.get("extensions", {}).get("cost") or {})
    return {k: v for k, v in cost.items() if k not in ("requested", "budget")}


# --- the arithmetic ------------------------------------------------------------


def test_a_new_client_starts_with_a_full_bucket():
    state, stored, ttl = take(None, 62, 100.0, maximum=2000, rate=100)

    assert state == BucketState(2000, 1938.0, 100, paid=True, retry_after=0)
    assert stored == Stored(1938.0, 100.0)
    assert ttl == 1  # 62 points back at 100 a second


def test_the_bucket_refills_at_the_restore_rate():
    state, stored, ttl = take(Stored(0.0, 100.0), 100, 101.5, maximum=2000, rate=100)

    assert state.paid
    assert state.available == 50.0
    assert stored == Stored(50.0, 101.5)
    assert ttl == 20  # 1950 points at 100 a second


def test_the_refill_stops_at_the_maximum():
    state, _, _ = take(Stored(1990.0, 0.0), 62, 1000.0, maximum=2000, rate=100)

    assert state.available == 1938.0


def test_a_refused_spend_changes_nothing_and_says_when_to_retry():
    before = Stored(30.0, 10.0)

    state, stored, _ = take(before, 62, 10.0, maximum=2000, rate=10)

    assert state == BucketState(2000, 30.0, 10, paid=False, retry_after=4)
    assert stored == before  # 32 missing at 10 a second: 3.2 s, so 4


def test_retry_after_is_at_least_a_second():
    state, _, _ = take(Stored(61.99, 0.0), 62, 0.0, maximum=2000, rate=100)

    assert not state.paid
    assert state.retry_after == 1


def test_a_partial_spend_takes_what_is_there_and_never_refuses():
    state, stored, _ = take(
        Stored(0.5, 0.0), 1, 0.0, maximum=2000, rate=100, partial=True
    )

    assert state.paid
    assert stored == Stored(0.0, 0.0)


def test_a_clock_that_goes_back_refills_nothing():
    state, _, _ = take(Stored(100.0, 50.0), 10, 40.0, maximum=2000, rate=100)

    assert state.available == 90.0


def test_the_state_is_reported_with_shopifys_names():
    state = BucketState(2000, 1937.6, 100.0, paid=True, retry_after=0)

    assert state.as_extension() == {
        "maximumAvailable": 2000,
        "currentlyAvailable": 1937,
        "restoreRate": 100,
    }


# --- the settings --------------------------------------------------------------


def settings_in(**env: str) -> subprocess.CompletedProcess[str]:
    script = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.GRAPHQL_COST_BUCKET, settings.GRAPHQL_COST_RESTORE_RATE, "
        "settings.CACHES['default']['BACKEND'])"
    )
    return subprocess.run(
        [sys.executable, "-c", script],
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "SECRET_KEY": "x" * 50,
            "REDIS_URL": "",
            **env,
        },
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_the_bucket_is_on_by_default_in_local_memory():
    done = settings_in()

    assert done.stdout.split() == [
        "2000",
        "100.0",
        "django.core.cache.backends.locmem.LocMemCache",
    ]


def test_redis_url_puts_the_buckets_in_redis():
    done = settings_in(REDIS_URL="redis://127.0.0.1:6379/0")

    assert done.stdout.split()[-1] == "django.core.cache.backends.redis.RedisCache"


def test_a_bucket_smaller_than_the_cost_cap_is_refused():
    done = settings_in(GRAPHQL_COST_BUCKET="999", GRAPHQL_MAX_COST="1000")

    assert done.returncode != 0
    assert (
        "GRAPHQL_COST_BUCKET=999 must be 0 (off) or at least GRAPHQL_MAX_COST=1000"
        in done.stderr
    )


@pytest.mark.parametrize("rate", ["0", "-5", "inf", "nan"])
def test_a_restore_rate_that_is_not_positive_is_refused(rate):
    done = settings_in(GRAPHQL_COST_RESTORE_RATE=rate)

    assert done.returncode != 0
    assert "must be a positive number of points per second" in done.stderr


def test_zero_turns_it_off_whatever_the_rate():
    done = settings_in(GRAPHQL_COST_BUCKET="0", GRAPHQL_COST_RESTORE_RATE="0")

    assert done.stdout.split()[:2] == ["0", "0.0"]


# --- through the view, on local memory ----------------------------------------


def test_with_zero_a_loop_is_never_throttled(customer_client):
    with override_settings(GRAPHQL_COST_BUCKET=0):
        replies = [customer_client.run("MyOrders") for _ in range(40)]

    assert {tuple(r.error_codes()) for r in replies} == {()}
    assert replies[-1].body["extensions"]["cost"] == {
        "requested": MY_ORDERS_COST,
        "budget": 1000,
    }


@override_settings(GRAPHQL_COST_BUCKET=1000, GRAPHQL_COST_RESTORE_RATE=STILL)
def test_a_loop_is_served_what_the_bucket_holds_then_throttled(customer_client):
    customer_client.csrf_token()  # its GET spends the minimum: 990 left

    replies = [customer_client.run("MyOrders") for _ in range(16)]

    assert [r.error_codes() for r in replies[:15]] == [[]] * 15
    refused = replies[15]
    assert refused.error_codes() == ["THROTTLED"]
    assert refused.body["data"] is None
    assert refused.body["errors"][0]["message"] == (
        "Throttled: the operation costs 62 and 60 of 1000 points are available, "
        "restored at 0.001 a second: retry in 2000 s (GRAPHQL_COST_BUCKET)."
    )
    assert refused.body["errors"][0]["extensions"] == {
        "code": "THROTTLED",
        "retryAfter": 2000,
    }
    assert refused.body["extensions"]["cost"] == {
        "requested": MY_ORDERS_COST,
        "budget": 1000,
        "maximumAvailable": 1000,
        "currentlyAvailable": 990 - 15 * MY_ORDERS_COST,
        "restoreRate": STILL,
    }


@override_settings(GRAPHQL_COST_BUCKET=1000, GRAPHQL_COST_RESTORE_RATE=STILL)
def test_the_retry_after_header_comes_with_the_refusal(customer_client):
    customer_client.csrf_token()
    for _ in range(15):
        customer_client.run("MyOrders")

    response = customer_client.client.post(
        "/graphql/",
        data='{"query": "{ orders(first: 40) { edges { node { id } } } }"}',
        content_type="application/json",
        HTTP_X_CSRFTOKEN=customer_client.csrf_token(),
    )

    assert response.status_code == 200
    # costs 1 + 40 x (edge, node) = 81: 21 missing at 0.001 a second
    assert response["Retry-After"] == "21000"


@override_settings(GRAPHQL_COST_BUCKET=1000, GRAPHQL_COST_RESTORE_RATE=STILL)
def test_a_client_asking_for_graphql_response_json_gets_429(customer_client):
    customer_client.csrf_token()
    for _ in range(15):
        customer_client.run("MyOrders")

    response = customer_client.client.post(
        "/graphql/",
        data='{"query": "{ orders(first: 40) { edges { node { id } } } }"}',
        content_type="application/json",
        HTTP_X_CSRFTOKEN=customer_client.csrf_token(),
        HTTP_ACCEPT="application/graphql-response+json",
    )

    assert response.status_code == 429
    assert response["Retry-After"] == "21000"
    assert response["Content-Type"] == "application/graphql-response+json"
    body = response.json()
    assert "data" not in body
    assert [e["extensions"]["code"] for e in body["errors"]] == ["THROTTLED"]


@override_settings(GRAPHQL_COST_BUCKET=1000, GRAPHQL_COST_RESTORE_RATE=STILL)
def test_a_throttled_request_spends_nothing(customer_client):
    customer_client.csrf_token()
    for _ in range(15):
        customer_client.run("MyOrders")

    first = customer_client.run("MyOrders")
    second = customer_client.run("MyOrders")
    cheap = customer_client.run("Me")

    assert first.error_codes() == second.error_codes() == ["THROTTLED"]
    assert bucket(second)["currentlyAvailable"] == 60
    assert cheap.error_codes() == []  # costs 1, spends the minimum: still there
    assert bucket(cheap)["currentlyAvailable"] == 50


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("{ nope }", "GRAPHQL_VALIDATION_FAILED"),
        ("{ orders {", "GRAPHQL_PARSE_FAILED"),
        ("{ products(first: 100) { edges { node { id } } } }", None),
    ],
)
@override_settings(GRAPHQL_COST_BUCKET=1000, GRAPHQL_COST_RESTORE_RATE=STILL)
def test_a_request_refused_before_execution_spends_the_minimum(
    anonymous_client, query, code
):
    anonymous_client.csrf_token()  # 990 left for 127.0.0.1

    response = anonymous_client.execute(query)

    if code is not None:
        assert response.error_codes() == [code]
        assert bucket(response) == {
            "maximumAvailable": 1000,
            "currentlyAvailable": 980,
            "restoreRate": STILL,
        }
    else:  # served: 1 + 100 x (edge, node)
        assert bucket(response)["currentlyAvailable"] == 990 - 201


@override_settings(
    GRAPHQL_COST_BUCKET=1000, GRAPHQL_COST_RESTORE_RATE=STILL, GRAPHQL_MAX_COST=1000
)
def test_an_operation_over_the_cost_cap_spends_the_minimum(anonymous_client):
    anonymous_client.csrf_token()
    bomb = (
        "{ a: products(first: 100) { edges { node { id } } } "
        + (
            " ".join(
                f"b{i}: products(first: 100) {{ edges {{ node {{ id }} }} }}"
                for i in range(4)
            )
        )
        + " }"
    )

    response = anonymous_client.execute(bomb)

    assert response.error_codes() == ["LIMIT_EXCEEDED"]
    assert response.body["extensions"]["cost"]["requested"] == 1005
    assert bucket(response)["currentlyAvailable"] == 980


@override_settings(GRAPHQL_COST_BUCKET=1000, GRAPHQL_COST_RESTORE_RATE=STILL)
def test_anonymous_clients_are_told_apart_by_address_and_users_by_account(
    anonymous_client, customer_client, other_customer_client
):
    anonymous_client.csrf_token()  # 127.0.0.1: 990 left
    query = "{ products(first: 100) { edges { node { id } } } }"  # 201
    for _ in range(4):
        anonymous_client.execute(query, REMOTE_ADDR="10.0.0.1")

    refused = anonymous_client.execute(query, REMOTE_ADDR="10.0.0.1")
    elsewhere = anonymous_client.execute(query, REMOTE_ADDR="10.0.0.2")
    here = anonymous_client.execute(query)  # 127.0.0.1
    signed_in = customer_client.execute(query, REMOTE_ADDR="10.0.0.1")
    other = other_customer_client.execute(query, REMOTE_ADDR="10.0.0.1")

    assert refused.error_codes() == ["THROTTLED"]
    assert bucket(refused)["currentlyAvailable"] == 1000 - 4 * 201
    assert bucket(elsewhere)["currentlyAvailable"] == 1000 - 201
    assert bucket(here)["currentlyAvailable"] == 990 - 201
    # each user's token GET spent the minimum of their own bucket
    assert bucket(signed_in)["currentlyAvailable"] == 990 - 201
    assert bucket(other)["currentlyAvailable"] == 990 - 201


@override_settings(GRAPHQL_COST_BUCKET=1000, GRAPHQL_COST_RESTORE_RATE=STILL)
def test_ipv6_clients_share_a_bucket_per_64_and_mapped_ipv4_is_ipv4(
    anonymous_client,
):
    anonymous_client.csrf_token()
    query = "{ products(first: 100) { edges { node { id } } } }"  # 201

    first = anonymous_client.execute(query, REMOTE_ADDR="2001:db8:0:7::1")
    same_64 = anonymous_client.execute(query, REMOTE_ADDR="2001:db8:0:7:ffff::2")
    other_64 = anonymous_client.execute(query, REMOTE_ADDR="2001:db8:0:8::1")
    ipv4 = anonymous_client.execute(query, REMOTE_ADDR="192.0.2.9")
    mapped = anonymous_client.execute(query, REMOTE_ADDR="::ffff:192.0.2.9")

    assert bucket(first)["currentlyAvailable"] == 1000 - 201
    assert bucket(same_64)["currentlyAvailable"] == 1000 - 2 * 201
    assert bucket(other_64)["currentlyAvailable"] == 1000 - 201
    assert bucket(ipv4)["currentlyAvailable"] == 1000 - 201
    assert bucket(mapped)["currentlyAvailable"] == 1000 - 2 * 201


@override_settings(GRAPHQL_COST_BUCKET=1000, GRAPHQL_COST_RESTORE_RATE=STILL)
def test_a_refused_mutation_writes_nothing(customer_client, product):
    customer_client.csrf_token()
    for _ in range(15):
        customer_client.run("MyOrders")  # 60 points left
    for _ in range(6):
        customer_client.run("Me")  # the minimum, 10, each: none left

    response = customer_client.run(
        "PlaceOrder", input={"productId": gid("Product", product.pk), "quantity": 2}
    )

    product.refresh_from_db()
    assert response.error_codes() == ["THROTTLED"]
    assert product.stock_quantity == 10
    assert not Order.objects.exists()


# --- on Redis -----------------------------------------------------------------


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    with running_redis() as server:
        yield server


def redis_cache(url: str) -> dict[str, dict[str, object]]:
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
        }
    }


def test_on_redis_the_script_spends_as_the_arithmetic_does_and_the_key_expires(
    redis_server, customer_client, customer
):
    store = redis.Redis.from_url(redis_server.url(), decode_responses=True)
    store.flushdb()
    with override_settings(
        CACHES=redis_cache(redis_server.url()),
        GRAPHQL_COST_BUCKET=1000,
        GRAPHQL_COST_RESTORE_RATE=10,
    ):
        customer_client.csrf_token()
        replies = [customer_client.run("MyOrders") for _ in range(3)]
        [key] = store.keys("*graphql-cost-bucket:*")
        ttl = store.ttl(key)

    left = [bucket(r)["currentlyAvailable"] for r in replies]
    # 10 + 3 x 62 spent; at 10 a second, a few tenths of a second refill a few
    for spent, reported in zip((62, 124, 186), left, strict=True):
        assert 990 - spent <= reported <= 990 - spent + 5
    assert str(key).endswith(f"graphql-cost-bucket:user:{customer.pk}")
    assert 18 <= ttl <= 20  # 196 points back at 10 a second: 20 s, less elapsed


def test_on_redis_the_bucket_refuses_like_locmem(redis_server, customer_client):
    redis.Redis.from_url(redis_server.url()).flushdb()
    with override_settings(
        CACHES=redis_cache(redis_server.url()),
        GRAPHQL_COST_BUCKET=1000,
        GRAPHQL_COST_RESTORE_RATE=STILL,
    ):
        customer_client.csrf_token()
        replies = [customer_client.run("MyOrders") for _ in range(16)]
        response = customer_client.client.post(
            "/graphql/",
            data='{"query": "{ orders(first: 40) { edges { node { id } } } }"}',
            content_type="application/json",
            HTTP_X_CSRFTOKEN=customer_client.csrf_token(),
        )

    assert [r.error_codes() for r in replies] == [[]] * 15 + [["THROTTLED"]]
    assert bucket(replies[15])["currentlyAvailable"] == 60
    assert response["Retry-After"] == "21000"


def test_with_redis_unreachable_requests_are_served_and_a_warning_logged(
    customer_client, caplog
):
    url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    caplog.set_level(logging.WARNING, logger="schema.limits.throttle")
    with override_settings(
        CACHES=redis_cache(url),
        GRAPHQL_COST_BUCKET=1000,
        GRAPHQL_COST_RESTORE_RATE=STILL,
    ):
        replies = [customer_client.run("MyOrders") for _ in range(20)]

    assert {tuple(r.error_codes()) for r in replies} == {()}
    assert replies[-1].body["extensions"]["cost"] == {
        "requested": MY_ORDERS_COST,
        "budget": 1000,
    }
    warnings = [r for r in caplog.records if "cost bucket unavailable" in r.message]
    # once, then the store is left alone for STORE_RETRY_SECONDS
    assert len(warnings) == 1
    assert "serving requests unthrottled" in warnings[0].message

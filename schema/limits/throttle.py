"""Cost over time: a leaky bucket of cost points per client, Shopify style.

Each client (the signed-in user, else the client address) has a bucket of
GRAPHQL_COST_BUCKET points that refills at GRAPHQL_COST_RESTORE_RATE points a
second. An operation spends its computed cost before it executes, at least
MINIMUM_SPEND; an operation the bucket cannot pay for is refused whole, so
nothing runs and nothing is written, and it spends nothing. Requests refused
before execution (parse, validation or limit errors) spend MINIMUM_SPEND out
of what is there: they cost the server work too, and a loop of them must not
be free.

MINIMUM_SPEND is 10 because every request does the same fixed work whatever
it selects (HTTP, the session and user lookups, parsing): in the benchmark a
ProductDetail (cost 1) takes 1.9 ms and MyOrders (cost 62) 12.5 ms, about
0.17 ms a point, so the fixed part is worth about ten points. With a minimum
of 1, a loop of cost-1 queries at the restore rate would hold a worker.

The buckets live in Django's "default" cache. On Redis one Lua script reads,
refills, spends and writes a bucket, so the workers sharing it never race; on
any other backend the update is atomic within one process only (local memory:
each process has buckets of its own). A bucket's key expires once it would be
full again. If the cache cannot be reached the request is served (fail open,
with a logged warning): the per-request cost cap still holds, and an outage of
a rate limiter's store should not become an outage of the API.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest
from graphql import GraphQLError
from redis import Redis
from redis.commands.core import Script
from redis.exceptions import RedisError
from strawberry.extensions import SchemaExtension

from schema.error_codes import GatewayErrorCode

if TYPE_CHECKING:
    from strawberry.types import ExecutionContext

    from schema.context import RequestContext

logger = logging.getLogger(__name__)

MINIMUM_SPEND = 10
CACHE_ALIAS = "default"
KEY_PREFIX = "graphql-cost-bucket"
# After the store fails, skip it for this long: a store that hangs must not
# add its timeout to every request, nor its warning to every log line.
STORE_RETRY_SECONDS = 5.0


@dataclass(frozen=True)
class BucketState:
    """A bucket after one request: what it holds and whether the request was paid."""

    maximum: int
    available: float
    restore_rate: float
    paid: bool
    retry_after: int  # seconds until the refused request could be paid; 0 if paid

    def as_extension(self) -> dict[str, Any]:
        rate = self.restore_rate
        return {
            "maximumAvailable": self.maximum,
            "currentlyAvailable": math.floor(self.available),
            "restoreRate": int(rate) if rate == int(rate) else rate,
        }


@dataclass(frozen=True)
class Stored:
    available: float
    at: float


def take(
    stored: Stored | None,
    points: int,
    now: float,
    *,
    maximum: int,
    rate: float,
    partial: bool = False,
) -> tuple[BucketState, Stored | None, int]:
    """Refill to `now`, then spend `points` if they are there.

    `partial` spends what is there, up to `points`, and never refuses. Returns
    the state, what to store (None: the bucket is full, forget it) and for
    how many seconds (until it is full again). A refused spend stores nothing:
    refusals cost nothing.
    """
    available = float(maximum)
    if stored is not None:
        elapsed = max(0.0, now - stored.at)
        available = min(float(maximum), stored.available + elapsed * rate)
    if available >= points or partial:
        available = max(0.0, available - points)
        state = BucketState(maximum, available, rate, paid=True, retry_after=0)
        ttl = math.ceil((maximum - available) / rate)
        return state, (Stored(available, now) if ttl > 0 else None), ttl
    retry_after = max(1, math.ceil((points - available) / rate))
    state = BucketState(maximum, available, rate, paid=False, retry_after=retry_after)
    return state, stored, 0


# Redis: the same arithmetic as `take`, on the server's clock, in one step.
# Floats travel as strings: Redis turns a Lua number reply into an integer.
TAKE_SCRIPT = """
local points, maximum, rate = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local partial = ARGV[4] == "1"
local clock = redis.call("TIME")
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local available = maximum
local stored = redis.call("HMGET", KEYS[1], "available", "at")
if stored[1] then
  local elapsed = math.max(0, now - tonumber(stored[2]))
  available = math.min(maximum, tonumber(stored[1]) + elapsed * rate)
end
if available < points and not partial then
  return {0, tostring(available)}
end
available = math.max(0, available - points)
local ttl = math.ceil((maximum - available) / rate)
if ttl > 0 then
  redis.call("HSET", KEYS[1], "available", tostring(available), "at", tostring(now))
  redis.call("EXPIRE", KEYS[1], ttl)
else
  redis.call("DEL", KEYS[1])
end
return {1, tostring(available)}
"""

_local_lock = threading.Lock()
_script: Script | None = None
_store_down_until = 0.0


def client_address(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, which a trusted proxy's middleware
    sets to the real client behind the front."""
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def client_key(request: HttpRequest) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    address = client_address(request)
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return f"address:{address}"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return f"address:{ip.ipv4_mapped}"
        # One host usually holds a whole /64 and can pick any address in it:
        # per address, it would have 2**64 buckets.
        return f"address:{ipaddress.IPv6Network((ip, 64), strict=False)}"
    return f"address:{ip}"


def _spend_redis(
    cache: RedisCache, key: str, points: int, maximum: int, rate: float, partial: bool
) -> BucketState:
    global _script
    cache_key = cache.make_and_validate_key(key)
    # Django's RedisCache has no public door to its client; scripts need it.
    client: Redis = cache._cache.get_client(cache_key, write=True)  # type: ignore[attr-defined]
    if _script is None:
        _script = client.register_script(TAKE_SCRIPT)
    paid, available = _script(
        keys=[cache_key], args=[points, maximum, rate, int(partial)], client=client
    )
    left = float(available)
    if paid:
        return BucketState(maximum, left, rate, paid=True, retry_after=0)
    retry_after = max(1, math.ceil((points - left) / rate))
    return BucketState(maximum, left, rate, paid=False, retry_after=retry_after)


def _spend_local(
    key: str, points: int, maximum: int, rate: float, partial: bool
) -> BucketState:
    cache = caches[CACHE_ALIAS]
    with _local_lock:
        stored = cache.get(key)
        state, new, ttl = take(
            stored if isinstance(stored, Stored) else None,
            points,
            time.time(),
            maximum=maximum,
            rate=rate,
            partial=partial,
        )
        if state.paid:
            if new is None:
                cache.delete(key)
            else:
                cache.set(key, new, timeout=ttl)
    return state


def spend(key: str, points: int, *, partial: bool = False) -> BucketState | None:
    """Spend from the bucket of `key`; None when throttling is off or the store
    is unreachable (the request is then served)."""
    global _store_down_until
    maximum = settings.GRAPHQL_COST_BUCKET
    if maximum <= 0 or time.monotonic() < _store_down_until:
        return None
    rate = float(settings.GRAPHQL_COST_RESTORE_RATE)
    bucket_key = f"{KEY_PREFIX}:{key}"
    cache = caches[CACHE_ALIAS]
    try:
        if isinstance(cache, RedisCache):
            return _spend_redis(cache, bucket_key, points, maximum, rate, partial)
        return _spend_local(bucket_key, points, maximum, rate, partial)
    except (RedisError, OSError) as error:
        _store_down_until = time.monotonic() + STORE_RETRY_SECONDS
        logger.warning(
            "GraphQL cost bucket unavailable (%s: %s); serving requests "
            "unthrottled, retrying in %.0f s",
            type(error).__name__,
            error,
            STORE_RETRY_SECONDS,
        )
        return None


def throttled_error(cost: int, state: BucketState) -> GraphQLError:
    return GraphQLError(
        f"Throttled: the operation costs {cost} and {math.floor(state.available)} "
        f"of {state.maximum} points are available, restored at "
        f"{state.as_extension()['restoreRate']} a second: retry in "
        f"{state.retry_after} s (GRAPHQL_COST_BUCKET).",
        extensions={
            "code": GatewayErrorCode.THROTTLED.value,
            "retryAfter": state.retry_after,
        },
    )


def _request_context(execution_context: ExecutionContext) -> RequestContext | None:
    context = execution_context.context
    return cast("RequestContext", context) if hasattr(context, "cost_bucket") else None


def charge(execution_context: ExecutionContext, cost: int) -> list[GraphQLError]:
    """Spend an operation's cost before it executes; [THROTTLED] when the
    client's bucket cannot pay for it (Retry-After is set on the response)."""
    context = _request_context(execution_context)
    if context is None:
        return []
    context.cost_charged = True
    points = max(cost, MINIMUM_SPEND)
    state = context.cost_bucket = spend(client_key(context.request), points)
    if state is None or state.paid:
        return []
    if context.response is not None:
        context.response["Retry-After"] = str(state.retry_after)
    return [throttled_error(points, state)]


def bucket_report(execution_context: ExecutionContext) -> dict[str, Any]:
    """The bucket's fields of `extensions.cost` ({} when there is none)."""
    context = _request_context(execution_context)
    if context is None or context.cost_bucket is None:
        return {}
    return context.cost_bucket.as_extension()


class CostThrottle(SchemaExtension):
    """Charge the minimum to requests that end before `charge` runs.

    List it before RequestLimits: results are merged in list order, and
    RequestLimits' full `cost` entry replaces this one when it has a cost.
    """

    async def get_results(self) -> dict[str, Any]:
        context = _request_context(self.execution_context)
        if context is None or context.cost_charged:
            return {}
        context.cost_charged = True
        context.cost_bucket = spend(
            client_key(context.request), MINIMUM_SPEND, partial=True
        )
        report = bucket_report(self.execution_context)
        return {"cost": report} if report else {}

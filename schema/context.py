"""The context of a GraphQL request over HTTP, as the gateway builds it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from backend.common.graphql.context import Context

if TYPE_CHECKING:
    from .limits.throttle import BucketState


@dataclass
class RequestContext(Context):
    """The apps' Context plus what the gateway keeps per request."""

    # The client's cost bucket after this request paid (or failed to pay) for
    # it: limits/throttle.py fills these in, extensions.cost reports them.
    cost_charged: bool = False
    cost_bucket: BucketState | None = None

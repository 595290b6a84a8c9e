"""Refusing a whole field to anonymous users, before it resolves."""

from typing import Any

import strawberry
from strawberry.extensions import FieldExtension
from strawberry.extensions.field_extension import (
    AsyncExtensionResolver,
    SyncExtensionResolver,
)

from backend.common.permissions import require_signed_in

from .context import current_user


class SignedInOnly(FieldExtension):
    """Refuse a field to anonymous users with a PERMISSION_DENIED error."""

    def resolve(
        self,
        next_: SyncExtensionResolver,
        source: Any,
        info: strawberry.Info,
        **kwargs: Any,
    ) -> Any:
        require_signed_in(current_user(info))
        return next_(source, info, **kwargs)

    async def resolve_async(
        self,
        next_: AsyncExtensionResolver,
        source: Any,
        info: strawberry.Info,
        **kwargs: Any,
    ) -> Any:
        require_signed_in(current_user(info))
        return await next_(source, info, **kwargs)
